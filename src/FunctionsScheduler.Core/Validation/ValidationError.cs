namespace FunctionsScheduler.Core.Validation;

/// <summary>One problem with user input: <see cref="Field"/> is the JSON path (camelCase, e.g. <c>job.phases[1].dependsOn[0]</c>).</summary>
public sealed record ValidationError(string Field, string Message);
