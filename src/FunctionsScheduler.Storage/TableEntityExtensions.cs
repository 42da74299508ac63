using Azure.Data.Tables;

namespace FunctionsScheduler.Storage;

/// <summary>Readers for columns every row of a kind must have; a missing one means the row is corrupt, not empty.</summary>
internal static class TableEntityExtensions
{
    public static DateTimeOffset RequiredDateTimeOffset(this TableEntity entity, string name) =>
        entity.GetDateTimeOffset(name) ?? throw Missing(entity, name);

    public static string RequiredString(this TableEntity entity, string name) =>
        entity.GetString(name) ?? throw Missing(entity, name);

    /// <summary>Table Storage keeps DateTime values as UTC; an offset other than zero would be silently converted.</summary>
    public static void SetUtc(this TableEntity entity, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            entity[name] = v.ToUniversalTime();
        }
    }

    public static void SetIfNotNull(this TableEntity entity, string name, string? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }

    private static InvalidDataException Missing(TableEntity entity, string name) =>
        new($"Row {entity.PartitionKey}/{entity.RowKey} has no {name}.");
}
