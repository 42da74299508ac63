using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>One schedule in an export, and in an import (where <see cref="Id"/> may be left out for a new id).</summary>
public sealed record TransferredSchedule(string? Id, ScheduleDefinition Definition);

/// <summary>The export document, which the import takes back.</summary>
public sealed record ScheduleTransfer(IReadOnlyList<TransferredSchedule> Schedules);

/// <summary>How one imported schedule fared.</summary>
public enum ImportStatus
{
    Created,
}

/// <summary>One imported schedule's result, by its position in the request.</summary>
public sealed record ImportItemResult(int Index, string Id, ImportStatus Status);

/// <summary>The answer to an import, in request order.</summary>
public sealed record ImportResponse(IReadOnlyList<ImportItemResult> Results);

/// <summary>Export and import of a tenant's schedule definitions (definitions only: no pause, counters or history).</summary>
public sealed partial class TransferEndpoints(
    IScheduleStore schedules,
    ScheduleWrites writes,
    DefinitionChecks checks,
    ITenantResolver tenants,
    IScanSignal scanSignal,
    TimeProvider timeProvider,
    ILogger<TransferEndpoints> logger)
{
    public const int MaxImport = 500;

    /// <summary>Ids that are also literal routes under <c>/api/schedules</c> (a schedule with one could not be read back).</summary>
    private static readonly HashSet<string> ReservedIds = new(StringComparer.OrdinalIgnoreCase) { "export", "import", "conflicts", "preview", "bulk", "from-template" };

    /// <summary>
    /// Chains of the imported schedules, checked against the tenant as it will be after the import: targets may be
    /// schedules already stored or ones imported with their id, and no chain through both may close a cycle.
    /// </summary>
    /// <summary>Deletes the schedules an import created before it failed; returns those that could not be deleted.</summary>
    private async Task<List<string>> RollBackAsync(string tenant, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var left = new List<string>();
        foreach (var id in ids)
        {
            try
            {
                // Not cancellable: a half-undone import is worse than a slow answer.
                await schedules.DeleteAsync(tenant, id, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ConcurrencyException or RequestFailedException)
            {
                left.Add(id);
            }
        }

        return left;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import into {Tenant} failed at schedules[{Index}] ({ScheduleId}); rolled back {Created} created schedule(s), {Left} left behind")]
    private static partial void LogImportRolledBack(ILogger logger, Exception exception, string tenant, int index, string scheduleId, int created, int left);

    private async Task<List<ValidationError>> ChainErrorsAsync(string tenant, IReadOnlyList<TransferredSchedule> imported, CancellationToken cancellationToken)
    {
        var problems = new List<ValidationError>();
        if (!imported.Any(s => ScheduleChains.Edges(s.Definition).Any()))
        {
            return problems;
        }

        var after = (await writes.ListAllAsync(tenant, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Id, s => s.Definition, StringComparer.Ordinal);

        // Schedules imported without an id get a new one nothing can name; these keys are not valid ids, so they match nothing.
        var keys = imported.Select((s, i) => s.Id ?? $"(schedules[{i}])").ToList();
        for (var i = 0; i < imported.Count; i++)
        {
            after[keys[i]] = imported[i].Definition;
        }

        for (var i = 0; i < imported.Count; i++)
        {
            var at = $"schedules[{i}].definition";
            problems.AddRange(ScheduleChains.Check(keys[i], imported[i].Definition, after).Select(e => e with { Field = $"{at}.{e.Field}" }));
        }

        return problems;
    }

    /// <summary>GET /api/schedules/export — <c>{ "schedules": [{ "id", "definition" }] }</c>, every schedule of the tenant.</summary>
    public async Task<IResult> ExportAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var all = await writes.ListAllAsync(tenants.Resolve(request), cancellationToken).ConfigureAwait(false);
        return Results.Json(new ScheduleTransfer(all.Select(s => new TransferredSchedule(s.Id, s.Definition)).ToList()), ApiJson.Response);
    }

    /// <summary>
    /// POST /api/schedules/import with an export document. Validated as a whole first — every definition, and each given
    /// id (valid, not taken, not repeated) — and a 400 lists every problem by path (<c>schedules[2].definition.cron</c>)
    /// with nothing written. Otherwise creates each (keeping a given id, else a new one) and answers 200 with
    /// <c>results: [{ index, id, status: created }]</c>. All or nothing: should an id be taken between the check and the
    /// write, the schedules already written are removed again (they were stored without a next run, so none ran) and the
    /// answer is a 400 naming <c>schedules[i].id</c>.
    /// </summary>
    public async Task<IResult> ImportAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, errors) = await RequestBody.ReadAsync<ScheduleTransfer>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        if (body.Schedules is not { Count: > 0 and <= MaxImport })
        {
            return Problems.Validation("schedules", $"schedules lists 1 to {MaxImport} schedules.");
        }

        var tenant = tenants.Resolve(request);
        var problems = new List<ValidationError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < body.Schedules.Count; i++)
        {
            var item = body.Schedules[i];
            var at = $"schedules[{i}]";
            if (item is null)
            {
                problems.Add(new(at, "A schedule is required, not null."));
                continue;
            }

            problems.AddRange(checks.Validate(item.Definition).Select(e => e with { Field = e.Field == "$" ? $"{at}.definition" : $"{at}.definition.{e.Field}" }));
            if (item.Id is null)
            {
                continue;
            }

            if (!Ids.IsValid(item.Id) || ReservedIds.Contains(item.Id))
            {
                problems.Add(new($"{at}.id", Ids.IsValid(item.Id) ? $"'{item.Id}' is reserved for a route." : Ids.Rule));
            }
            else if (!seen.Add(item.Id))
            {
                problems.Add(new($"{at}.id", $"'{item.Id}' appears more than once."));
            }
            else if (await schedules.GetAsync(tenant, item.Id, cancellationToken).ConfigureAwait(false) is not null)
            {
                problems.Add(new($"{at}.id", $"A schedule with id '{item.Id}' already exists; leave id out to import it as a new schedule."));
            }
        }

        if (problems.Count == 0)
        {
            problems.AddRange(await ChainErrorsAsync(tenant, body.Schedules, cancellationToken).ConfigureAwait(false));
        }

        if (problems.Count > 0)
        {
            return Problems.Validation(problems);
        }

        // Two steps, so the import is all or nothing even when an id is taken after the check above: every schedule is
        // first stored without a next run (no due row, so no scanner can start it), and only when all exist are they
        // planned. A create that fails undoes the ones before it, which never ran.
        var now = timeProvider.GetUtcNow();
        var created = new List<(int Index, string Id)>(body.Schedules.Count);
        for (var i = 0; i < body.Schedules.Count; i++)
        {
            var item = body.Schedules[i];
            var id = item.Id ?? Guid.NewGuid().ToString("N");
            try
            {
                await schedules.CreateAsync(ScheduleWrites.NewSchedule(tenant, id, item.Definition, now) with { NextRunUtc = null }, cancellationToken).ConfigureAwait(false);
                created.Add((i, id));
            }
            catch (Exception ex) when (ex is ConcurrencyException or RequestFailedException)
            {
                var left = await RollBackAsync(tenant, created.Select(c => c.Id), cancellationToken).ConfigureAwait(false);
                var field = $"schedules[{i}]{(ex is ConcurrencyException ? ".id" : "")}";
                var undone = left.Count == 0
                    ? "Nothing was imported: the schedules created before it were removed again."
                    : $"The schedules created before it were removed again except {string.Join(", ", left)}, which could not be; delete them.";
                LogImportRolledBack(logger, ex, tenant, i, id, created.Count, left.Count);
                if (ex is ConcurrencyException)
                {
                    return Problems.Validation(field, $"A schedule with id '{id}' was created while this import ran; leave id out to import it as a new schedule. {undone}");
                }

                throw;
            }
        }

        var results = new List<ImportItemResult>(created.Count);
        foreach (var (index, id) in created)
        {
            await writes.ChangeAsync(tenant, id, null, (s, at) => s.NextRunUtc is null && s.Definition.Enabled ? ScheduleWrites.Replan(s, at) : null, cancellationToken).ConfigureAwait(false);
            results.Add(new(index, id, ImportStatus.Created));
        }

        scanSignal.Nudge();
        return Results.Json(new ImportResponse(results), ApiJson.Response);
    }
}
