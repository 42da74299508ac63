using Microsoft.Azure.Functions.Worker;

namespace FunctionsScheduler.Functions.Tests.Functions;

/// <summary>
/// The two things our functions take from their <see cref="FunctionContext"/>: the invocation's DI scope and its
/// cancellation token. The Functions host (which builds the real context) cannot run on this machine, so the tests call the
/// function methods directly with this; everything the functions reach through it is the app's real registrations.
/// </summary>
internal sealed class TestFunctionContext(IServiceProvider services, CancellationToken cancellationToken) : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString("N");

    public override string FunctionId => throw new NotSupportedException();

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext => throw new NotSupportedException();

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; } = services;

    public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException();

    public override CancellationToken CancellationToken { get; } = cancellationToken;
}
