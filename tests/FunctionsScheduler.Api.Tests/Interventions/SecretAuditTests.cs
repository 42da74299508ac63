using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Api.Tests.Interventions;

/// <summary>A local host that logs everything (Trace) into memory, structured values included, for a test to search.</summary>
public sealed class LogCapturingHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    public CapturedLogs Logs { get; } = new();

    protected override IReadOnlyList<string> ExtraArguments => ["--Logging:LogLevel:Default", "Trace"];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);
}

/// <summary>Every log line of a host: category, formatted message, each structured value and the exception.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" | ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {{{values}}} {exception}");
        }
    }
}

/// <summary>
/// The audit behind "secrets never land in run history or logs": a run whose intervention asks for a secret field is
/// answered with a distinctive value and completes; then every row of every table in the storage account (every
/// property, binary ones as bytes), every blob, every queue message still there and every log line the host wrote is
/// searched for the value, and it is nowhere.
/// </summary>
public sealed class SecretAuditTests(LogCapturingHostFixture host) : IClassFixture<LogCapturingHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_secret_answer_is_nowhere_in_storage_or_logs_once_the_run_completed()
    {
        var secret = $"Zq{Guid.NewGuid():N}-pa55-{Guid.NewGuid():N}";
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "secret audit",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new
            {
                type = "simulated",
                phases = new object[]
                {
                    new
                    {
                        name = "login",
                        intervention = new
                        {
                            kind = "login",
                            prompt = "Log in to the shop",
                            deadline = "00:05:00",
                            reminders = Array.Empty<double>(),
                            fields = new object[] { new { name = "user" }, new { name = "password", secret = true } },
                        },
                    },
                    new { name = "export", dependsOn = new[] { "login" } },
                },
            },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var scheduleId = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{scheduleId}/run", null);
        var runId = started.GetProperty("runId").GetString()!;
        var interventionId = await host.PendingInterventionIdAsync(runId);

        var (answered, answer) = await host.PostJsonAsync($"/api/interventions/{interventionId}/answer", new { answeredBy = "ana", fields = new { user = "ana", password = secret } });
        Assert.True(answered.StatusCode == HttpStatusCode.OK, answer.ToString());
        var run = await host.RunEndedAsync(runId);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());

        // The run deletes what is left of the answer's sealed values when it ends, after its last record.
        var secrets = new TableClient(host.StorageConnectionString, host.TablePrefix + "InterventionSecrets");
        await LocalHostFixture.EventuallyAsync<bool>(
            async () => (await secrets.GetEntityIfExistsAsync<TableEntity>("dev", interventionId, cancellationToken: Ct)).HasValue ? null : true,
            LocalHostFixture.Patience,
            "the sealed secret row to be deleted");

        var needle = Encoding.UTF8.GetBytes(secret);
        var found = new List<string>();
        var (tables, rows) = await ScanTablesAsync(needle, found);
        var blobs = await ScanBlobsAsync(needle, found);
        await ScanQueuesAsync(needle, found);
        var logLines = host.Logs.Lines.ToArray();
        found.AddRange(logLines.Where(l => l.Contains(secret, StringComparison.Ordinal)).Select(l => $"log: {l}"));

        Assert.True(found.Count == 0, $"The secret was found in:{Environment.NewLine}{string.Join(Environment.NewLine, found)}");

        // The scan saw this run's traces: its history and run rows, its blobs, and log lines about it.
        Assert.True(rows > 20 && tables.Contains(host.TablePrefix + "Runs") && tables.Any(t => t.StartsWith(host.TaskHub, StringComparison.Ordinal)), $"{rows} rows in {string.Join(", ", tables)}");
        Assert.True(logLines.Count(l => l.Contains(runId, StringComparison.Ordinal)) > 5, $"{logLines.Length} log lines, few about {runId}");
        TestContext.Current.SendDiagnosticMessage($"Scanned {rows} rows in {tables.Count} tables, {blobs} blobs and {logLines.Length} log lines.");
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task An_api_key_is_nowhere_in_storage_logs_or_answers_but_its_hash()
    {
        var (created, body) = await host.PostJsonAsync("/api/keys", new { name = "audited key", role = "operator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = body.GetProperty("key").GetString()!;
        var keyId = body.GetProperty("details").GetProperty("keyId").GetString()!;
        var secretPart = key[(key.LastIndexOf('_') + 1)..];

        var answers = new List<string>();
        foreach (var (method, url) in new[] { (HttpMethod.Get, "/api/schedules"), (HttpMethod.Post, "/api/schedules"), (HttpMethod.Get, "/api/keys"), (HttpMethod.Get, "/api/me") })
        {
            using var request = new HttpRequestMessage(method, url) { Content = method == HttpMethod.Post ? new StringContent("{}", Encoding.UTF8, "application/json") : null };
            request.Headers.Authorization = new("Bearer", key);
            using var response = await host.Http.SendAsync(request, Ct);
            answers.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{keyId}"))
        {
            using var revoked = await host.Http.SendAsync(revoke, Ct);
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        using (var refused = new HttpRequestMessage(HttpMethod.Get, "/api/schedules"))
        {
            refused.Headers.TryAddWithoutValidation("X-Api-Key", key);
            using var response = await host.Http.SendAsync(refused, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        var found = new List<string>();
        var needle = Encoding.UTF8.GetBytes(secretPart);
        await ScanTablesAsync(needle, found);
        await ScanBlobsAsync(needle, found);
        await ScanQueuesAsync(needle, found);
        found.AddRange(host.Logs.Lines.Where(l => l.Contains(secretPart, StringComparison.Ordinal)).Select(l => $"log: {l}"));
        found.AddRange(answers.Where(a => a.Contains(secretPart, StringComparison.Ordinal)).Select(a => $"answer: {a}"));
        Assert.True(found.Count == 0, $"The key was found in:{Environment.NewLine}{string.Join(Environment.NewLine, found)}");

        // What is kept is its SHA-256, in the keys table only.
        var hashFound = new List<string>();
        await ScanTablesAsync(Encoding.UTF8.GetBytes(FunctionsScheduler.Api.Access.ApiKeys.Hash(key)), hashFound);
        Assert.Equal([$"table {host.TablePrefix}ApiKeys/key/{keyId}.Hash"], hashFound);
    }

    private async Task<(List<string> Tables, int Rows)> ScanTablesAsync(byte[] needle, List<string> found)
    {
        var service = new TableServiceClient(host.StorageConnectionString);
        var names = new List<string>();
        var rows = 0;
        await foreach (var table in service.QueryAsync(cancellationToken: Ct))
        {
            names.Add(table.Name);
            await foreach (var row in service.GetTableClient(table.Name).QueryAsync<TableEntity>(cancellationToken: Ct))
            {
                rows++;
                foreach (var (name, value) in row)
                {
                    if (Holds(value, needle))
                    {
                        found.Add($"table {table.Name}/{row.PartitionKey}/{row.RowKey}.{name}");
                    }
                }
            }
        }

        return (names, rows);
    }

    private async Task<int> ScanBlobsAsync(byte[] needle, List<string> found)
    {
        var service = new BlobServiceClient(host.StorageConnectionString);
        var count = 0;
        await foreach (var container in service.GetBlobContainersAsync(cancellationToken: Ct))
        {
            var client = service.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync(cancellationToken: Ct))
            {
                count++;
                var content = (await client.GetBlobClient(blob.Name).DownloadContentAsync(Ct)).Value.Content.ToArray();
                if (content.AsSpan().IndexOf(needle) >= 0)
                {
                    found.Add($"blob {container.Name}/{blob.Name}");
                }
            }
        }

        return count;
    }

    private async Task ScanQueuesAsync(byte[] needle, List<string> found)
    {
        var service = new QueueServiceClient(host.StorageConnectionString);
        await foreach (var queue in service.GetQueuesAsync(cancellationToken: Ct))
        {
            foreach (var message in (await service.GetQueueClient(queue.Name).PeekMessagesAsync(32, Ct)).Value)
            {
                // The engine may send a message base64-encoded; look at it both ways.
                var text = message.Body.ToString();
                var decoded = new byte[text.Length];
                if (message.Body.ToArray().AsSpan().IndexOf(needle) >= 0
                    || (Convert.TryFromBase64String(text, decoded, out var length) && decoded.AsSpan(0, length).IndexOf(needle) >= 0))
                {
                    found.Add($"queue {queue.Name}/{message.MessageId}");
                }
            }
        }
    }

    private static bool Holds(object? value, byte[] needle) => value switch
    {
        null => false,
        byte[] bytes => bytes.AsSpan().IndexOf(needle) >= 0,
        BinaryData data => data.ToArray().AsSpan().IndexOf(needle) >= 0,
        _ => Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "").AsSpan().IndexOf(needle) >= 0,
    };
}
