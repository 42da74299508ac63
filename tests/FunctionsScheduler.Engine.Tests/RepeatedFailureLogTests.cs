using Azure;
using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Engine.Tests;

/// <summary>A loop failing against storage that is down writes a few lines per outage, not a stack trace per attempt.</summary>
public sealed class RepeatedFailureLogTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly CollectingLoggerFactory _logs = new();

    [Fact]
    public void Unreachable_storage_is_one_warning_then_counted_then_summed_up_each_interval_and_its_recovery_said_once()
    {
        var log = new RepeatedFailureLog(_logs, _time, TimeSpan.FromMinutes(1));

        // The SDK's AggregateException of every retry, each a refused connection: one line, no stack, caller logs nothing.
        Assert.False(log.Failed("Polling", Refused()));
        Assert.Single(_logs.Entries);
        Assert.Contains("Polling failed: storage is unreachable (Connection refused (127.0.0.1:1))", _logs.Entries.Single(), StringComparison.Ordinal);

        for (var i = 0; i < 100; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(0.5));
            Assert.False(log.Failed("Polling", Refused()));
        }

        // 50 s: still within the interval, nothing more written.
        Assert.Single(_logs.Entries);

        for (var i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(0.5));
            log.Failed("Polling", Refused());
        }

        Assert.Equal(2, _logs.Entries.Count);
        Assert.Contains("Polling failed 120 more times in the last 60 s, as logged before: Connection refused (127.0.0.1:1)", _logs.Entries.Last(), StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromSeconds(5));
        log.Succeeded("Polling");
        log.Succeeded("Polling");
        Assert.Equal(3, _logs.Entries.Count);
        Assert.Contains("Polling works again, 70 s after its first failure (failures: 131)", _logs.Entries.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public void Any_other_failure_is_the_callers_to_log_once_and_a_different_one_again()
    {
        var log = new RepeatedFailureLog(_logs, _time);

        Assert.True(log.Failed("Scan", new InvalidOperationException("bad row")));
        Assert.False(log.Failed("Scan", new InvalidOperationException("bad row")));
        Assert.True(log.Failed("Scan", new InvalidOperationException("another row")));

        // Storage's messages differ by request id and time: its status and error code say whether it is the same.
        Assert.True(log.Failed("Receive", NotFound("1")));
        Assert.False(log.Failed("Receive", NotFound("2")));

        // Another loop's failures are its own.
        Assert.True(log.Failed("Sweep", new InvalidOperationException("bad row")));

        // What was counted of the first failure is said when it changed.
        Assert.Contains(_logs.Entries, e => e.Contains("Scan failed 1 more times", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_a_failed_transport_or_a_lost_table_queue_or_container_counts_as_storage_out()
    {
        Assert.Equal("Connection refused (127.0.0.1:1)", RepeatedFailureLog.Unreachable(Refused()));
        Assert.NotNull(RepeatedFailureLog.Unreachable(new HttpRequestException("Connection reset by peer")));

        // An emulator restarted without its data: the table is gone until the host recreates it.
        Assert.NotNull(RepeatedFailureLog.Unreachable(new RequestFailedException(404, "The table specified does not exist.", "TableNotFound", null)));

        // Storage answered about a row, or with a failure of its own: not an outage.
        Assert.Null(RepeatedFailureLog.Unreachable(new RequestFailedException(404, "The specified resource does not exist.", "ResourceNotFound", null)));
        Assert.Null(RepeatedFailureLog.Unreachable(new AggregateException(Transport(), new RequestFailedException(503, "Server busy"))));
        Assert.Null(RepeatedFailureLog.Unreachable(new InvalidOperationException("Connection refused")));
    }

    private static RequestFailedException NotFound(string requestId) =>
        new(404, $"The specified resource does not exist.\nRequestId:{requestId}", "ResourceNotFound", null);

    private static AggregateException Refused() => new("Retry failed after 4 tries.", Transport(), Transport(), Transport(), Transport());

    private static RequestFailedException Transport() =>
        new(0, "Connection refused (127.0.0.1:1)", new HttpRequestException("Connection refused (127.0.0.1:1)"));
}
