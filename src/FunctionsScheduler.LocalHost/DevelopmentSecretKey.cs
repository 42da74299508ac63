using FunctionsScheduler.Storage.Interventions;

namespace FunctionsScheduler.LocalHost;

/// <summary>
/// The local host's key for secret intervention answers when none is configured: made once and kept in the data folder
/// (<c>secrets.key</c>, readable by its owner only), so answers stored before a restart can still be opened after it.
/// </summary>
internal static class DevelopmentSecretKey
{
    public const string FileName = "secrets.key";

    public static string LoadOrCreate(string dataFolder)
    {
        Directory.CreateDirectory(dataFolder);
        var path = Path.Combine(dataFolder, FileName);
        try
        {
            // CreateNew: of two hosts starting at once, one writes the key and the other reads it.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            var key = SecretCipher.NewKey();
            writer.Write(key);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            for (var attempt = 0; ; attempt++)
            {
                // The other host may still be writing it.
                var key = File.ReadAllText(path).Trim();
                if (key.Length > 0 || attempt == 50)
                {
                    return key;
                }

                Thread.Sleep(20);
            }
        }
    }
}
