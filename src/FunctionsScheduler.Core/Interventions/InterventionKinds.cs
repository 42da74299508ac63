namespace FunctionsScheduler.Core.Interventions;

/// <summary>What a person can be asked to do for a run; the dashboard picks its form by kind.</summary>
public static class InterventionKinds
{
    public const string Login = "login";
    public const string Captcha = "captcha";
    public const string TwoFactor = "twoFactor";
    public const string Approval = "approval";
    public const string Custom = "custom";

    /// <summary>Every known kind, in the order documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Login, Captcha, TwoFactor, Approval, Custom];
}
