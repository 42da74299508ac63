using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// Every row of every table of one host (its scheduler tables and its task hub's) with every property, the ETag and the
/// service's Timestamp, and the task hub's queues (message count, visible messages) and blobs (ETag and content hash), as
/// text: two dumps are equal only if nothing was written, not even the same values again.
/// </summary>
public sealed class StoreDump
{
    private readonly TableServiceClient _service;
    private readonly QueueServiceClient _queues;
    private readonly BlobServiceClient _blobs;
    private readonly string[] _prefixes;
    private readonly HashSet<string> _skipped;
    private readonly Dictionary<string, string[]> _touched;

    /// <param name="connectionString">The storage account.</param>
    /// <param name="prefixes">The host's table name prefixes (other hosts share the account in tests).</param>
    /// <param name="skipped">Tables that change by design on a rejected request or on their own (named without prefix).</param>
    /// <param name="touched">
    /// Per table (named without prefix), properties that a request may rewrite by design, such as a key's last use: the
    /// rest of each row is still compared, without ETag and Timestamp (which change with them).
    /// </param>
    public StoreDump(string connectionString, IEnumerable<string> prefixes, IEnumerable<string> skipped, IReadOnlyDictionary<string, string[]>? touched = null)
    {
        _service = new TableServiceClient(connectionString);
        _queues = new QueueServiceClient(connectionString);
        _blobs = new BlobServiceClient(connectionString);
        _prefixes = [.. prefixes];
        _skipped = [.. skipped];
        _touched = touched?.ToDictionary(t => t.Key, t => t.Value) ?? [];
    }

    /// <summary>The tables a dump reads, by full name.</summary>
    public async Task<List<string>> TablesAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var table in _service.QueryAsync(cancellationToken: cancellationToken))
        {
            var prefix = _prefixes.FirstOrDefault(p => table.Name.StartsWith(p, StringComparison.Ordinal));
            if (prefix is not null && !_skipped.Contains(table.Name[prefix.Length..]))
            {
                names.Add(table.Name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Table name → its rows as lines (partition, row, ETag, Timestamp, then every property sorted by name).</summary>
    public async Task<SortedDictionary<string, List<string>>> ReadAsync(CancellationToken cancellationToken)
    {
        var dump = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var tables = await TablesAsync(cancellationToken);
        var reads = tables.Select(async name =>
        {
            var rows = new List<string>();
            var prefix = _prefixes.First(p => name.StartsWith(p, StringComparison.Ordinal));
            var touched = _touched.TryGetValue(name[prefix.Length..], out var t) ? t : null;
            await foreach (var entity in _service.GetTableClient(name).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
            {
                rows.Add(Line(entity, touched));
            }

            rows.Sort(StringComparer.Ordinal);
            return (name, rows);
        });
        foreach (var (name, rows) in await Task.WhenAll(reads.Append(QueuesAsync(cancellationToken)).Append(BlobsAsync(cancellationToken))))
        {
            dump[name] = rows;
        }

        return dump;
    }

    private bool Owns(string name) => _prefixes.Any(p => name.StartsWith(p.ToLowerInvariant() + "-", StringComparison.Ordinal));

    /// <summary>
    /// The host's queues: each one's message count (invisible messages, such as a timer's, included) and its visible
    /// messages, peeked (which leaves them as they are).
    /// </summary>
    private async Task<(string, List<string>)> QueuesAsync(CancellationToken cancellationToken)
    {
        var rows = new List<string>();
        await foreach (var queue in _queues.GetQueuesAsync(cancellationToken: cancellationToken))
        {
            if (!Owns(queue.Name))
            {
                continue;
            }

            var client = _queues.GetQueueClient(queue.Name);
            var count = (await client.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            rows.Add($"{queue.Name} | count={count}");
            foreach (var message in (await client.PeekMessagesAsync(32, cancellationToken)).Value)
            {
                rows.Add($"{queue.Name} | {message.MessageId} | {message.InsertedOn?.ToString("O", CultureInfo.InvariantCulture)} | {message.Body}");
            }
        }

        rows.Sort(StringComparer.Ordinal);
        return ("(queues)", rows);
    }

    /// <summary>The host's blobs: name, ETag, length and a hash of the content.</summary>
    private async Task<(string, List<string>)> BlobsAsync(CancellationToken cancellationToken)
    {
        var rows = new List<string>();
        await foreach (var container in _blobs.GetBlobContainersAsync(cancellationToken: cancellationToken))
        {
            if (!Owns(container.Name))
            {
                continue;
            }

            var client = _blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync(cancellationToken: cancellationToken))
            {
                var content = (await client.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
                rows.Add($"{container.Name} | {blob.Name} | {blob.Properties.ETag} | {content.Length} | {Convert.ToHexString(SHA256.HashData(content))}");
            }
        }

        rows.Sort(StringComparer.Ordinal);
        return ("(blobs)", rows);
    }

    /// <summary>What changed between two dumps, a line per added, removed or changed row (empty when equal).</summary>
    public static List<string> Differences(SortedDictionary<string, List<string>> before, SortedDictionary<string, List<string>> after)
    {
        var differences = new List<string>();
        foreach (var name in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var old = before.TryGetValue(name, out var o) ? o : null;
            var now = after.TryGetValue(name, out var n) ? n : null;
            if (old is null || now is null)
            {
                differences.Add($"table {name} {(old is null ? "appeared" : "disappeared")}");
                continue;
            }

            differences.AddRange(old.Except(now, StringComparer.Ordinal).Select(r => $"{name} - {Cut(r)}"));
            differences.AddRange(now.Except(old, StringComparer.Ordinal).Select(r => $"{name} + {Cut(r)}"));
        }

        return differences;
    }

    private static string Cut(string row) => row.Length > 600 ? row[..600] + "…" : row;

    private static string Line(TableEntity entity, string[]? touched)
    {
        var line = new StringBuilder();
        line.Append(entity.PartitionKey).Append(" | ").Append(entity.RowKey);
        if (touched is null)
        {
            line.Append(" | ").Append(entity.ETag.ToString()).Append(" | ").Append(entity.Timestamp?.ToString("O", CultureInfo.InvariantCulture));
        }

        foreach (var key in entity.Keys.Where(k => k is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag") && touched?.Contains(k) != true).Order(StringComparer.Ordinal))
        {
            var value = entity[key];
            var text = value switch
            {
                null => "null",
                byte[] bytes => Convert.ToBase64String(bytes),
                DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            line.Append(" | ").Append(key).Append('=').Append(value?.GetType().Name).Append(':').Append(text);
        }

        return line.ToString();
    }
}
