using System.Text;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>The last bytes of a stream that may be far longer than anyone should store.</summary>
internal sealed class OutputTail(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _count;

    /// <summary>Bytes seen, kept or not.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Whether bytes before the kept ones were dropped.</summary>
    public bool Truncated => TotalBytes > _count;

    /// <summary>Reads <paramref name="stream"/> to its end, keeping the last <paramref name="capacity"/> bytes. A stream closed under it ends the read.</summary>
    public static async Task<OutputTail> ReadAsync(Stream stream, int capacity, CancellationToken cancellationToken)
    {
        var tail = new OutputTail(capacity);
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                tail.Append(chunk.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The process was disposed while a grandchild still held the pipe: what was read is what there is.
        }

        return tail;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        TotalBytes += data.Length;
        if (data.Length >= _buffer.Length)
        {
            data[^_buffer.Length..].CopyTo(_buffer);
            _count = _buffer.Length;
            return;
        }

        var overflow = _count + data.Length - _buffer.Length;
        if (overflow > 0)
        {
            _buffer.AsSpan(overflow, _count - overflow).CopyTo(_buffer);
            _count -= overflow;
        }

        data.CopyTo(_buffer.AsSpan(_count));
        _count += data.Length;
    }

    /// <summary>The last <paramref name="maxBytes"/> bytes as UTF-8 text, never starting inside a character.</summary>
    public string Text(int maxBytes)
    {
        var span = _buffer.AsSpan(0, _count);
        if (span.Length > maxBytes)
        {
            span = span[^maxBytes..];
        }

        if (span.Length < TotalBytes)
        {
            while (span.Length > 0 && (span[0] & 0xC0) == 0x80)
            {
                span = span[1..];
            }
        }

        return Encoding.UTF8.GetString(span);
    }
}
