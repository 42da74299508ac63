using System.Text.Json.Nodes;

namespace FunctionsScheduler.Api.Contract;

/// <summary>
/// Example request bodies for the document, as a client writes them (only what it needs to say). The contract tests read
/// each one back strictly into the route's body type and validate it against the route's schema, so they cannot drift.
/// </summary>
public static class ContractExamples
{
    public static JsonNode ScheduleDefinition() => Parse("""
        {
          "name": "Nightly orders export",
          "description": "Exports yesterday's orders to the warehouse.",
          "cron": "0 2 * * *",
          "timeZone": "Europe/London",
          "job": {
            "type": "http",
            "target": "orders-db",
            "deadline": "01:00:00",
            "phases": [
              {
                "name": "export",
                "http": { "endpoint": "orders-webhook", "method": "POST", "path": "/exports?run={{runId}}" },
                "retry": { "maxAttempts": 3, "firstDelay": "00:00:30" },
                "timeout": "00:20:00"
              },
              { "name": "verify", "dependsOn": ["export"], "http": { "endpoint": "orders-webhook", "method": "GET", "path": "/exports/{{runId}}" } }
            ]
          },
          "misfire": { "policy": "runOnce" },
          "overlap": { "policy": "skip" }
        }
        """);

    public static JsonNode FromTemplate() => Parse("""
        {
          "template": "weekdaysAt",
          "parameters": { "time": "07:30", "timeZone": "Europe/London" },
          "name": "Morning report",
          "job": { "type": "simulated", "phases": [{ "name": "report", "durationMs": 2000 }] }
        }
        """);

    public static JsonNode Pause() => Parse("""
        { "reason": "Warehouse maintenance", "by": "ops@example.com", "until": "2030-01-01T06:00:00Z" }
        """);

    public static JsonNode Bulk() => Parse("""
        { "action": "pause", "filter": { "target": "orders-db" }, "reason": "Database migration", "by": "ops@example.com" }
        """);

    public static JsonNode Import() => Parse("""
        {
          "schedules": [
            {
              "id": "hourly-sync",
              "definition": {
                "name": "Hourly sync",
                "interval": "01:00:00",
                "job": { "type": "simulated", "phases": [{ "name": "sync" }] }
              }
            }
          ]
        }
        """);

    public static JsonNode DescribeCron() => Parse("""
        { "cron": "0 9 * * 1-5", "timeZone": "America/New_York" }
        """);

    public static JsonNode RunControl() => Parse("""
        { "reason": "Wrong input file", "by": "ops@example.com" }
        """);

    public static JsonNode Answer() => Parse("""
        { "answeredBy": "ops@example.com", "fields": { "comment": "Checked the totals; go ahead." } }
        """);

    public static JsonNode Snooze() => Parse("""
        { "until": "2030-01-07T08:00:00Z" }
        """);

    public static JsonNode Preferences() => Parse("""
        {
          "enabledTypes": ["failed", "interventionRequired", "staleData", "scheduleAutoPaused"],
          "quietHours": { "from": "22:00:00", "to": "07:00:00", "timeZone": "Europe/London" },
          "throttles": [{ "type": "failed", "maxPerWindow": 3, "window": "01:00:00" }]
        }
        """);

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
