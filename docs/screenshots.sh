#!/usr/bin/env bash
# Refreshes docs/timeline.png and docs/schedule.png from real data: the two dashboard tests that take them run the
# local host on Azurite, create schedules and runs through the API and photograph the page in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet test tests/FunctionsScheduler.Dashboard.Tests \
  --filter "FullyQualifiedName~The_timeline_draws_planned_occurrences|FullyQualifiedName~A_schedules_page_shows_its_definition"
shots=tests/FunctionsScheduler.Dashboard.Tests/bin/Debug/net10.0/screenshots
cp "$shots/timeline-card.png" docs/timeline.png
cp "$shots/schedule.png" docs/schedule.png
echo "Wrote docs/timeline.png and docs/schedule.png."
