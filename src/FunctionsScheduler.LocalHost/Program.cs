using FunctionsScheduler.LocalHost;

// "keys create|list|revoke …" manages API keys in the host's storage and exits; anything else runs the host.
if (await KeysCommand.TryRunAsync(args, Console.Out, Console.Error) is { } exitCode)
{
    return exitCode;
}

await using var app = await LocalHostApp.BuildAsync(args, console: Console.Out);
await app.RunAsync();
return 0;
