using FunctionsScheduler.LocalHost;

await using var app = await LocalHostApp.BuildAsync(args, console: Console.Out);
await app.RunAsync();
