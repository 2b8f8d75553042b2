// Expand a calendar file the way a calendar client does, with Mozilla's ical.js
// (the parser inside Thunderbird): read the file's own VTIMEZONEs, expand every
// series (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides) and print each
// occurrence as JSON, in Europe/Berlin local time to the minute.
//
//   node expand.mjs calendar.ics        (or the calendar on stdin)
//   node expand.mjs --many              (a JSON list of calendars on stdin,
//                                        a JSON list of results out)
//
// Output: {"method": "REQUEST"|null, "timezones": [...], "occurrences":
//   [{"uid", "start": "YYYY-MM-DDTHH:MM", "end", "status", "sequence", "summary"}]}
// sorted by start, then uid. Exits 1 (with the message on stderr) if ical.js
// cannot read the file.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const UNTIL = ICAL.Time.fromDateTimeString("2100-01-01T00:00:00Z");
const MAX_PER_SERIES = 5000;

const local = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Berlin",
  year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function berlin(time) {
  // toJSDate() is the absolute moment as ical.js computed it from the zone
  // definitions it was given; showing it in Europe/Berlin is what a client
  // in Germany displays.
  return local.format(time.toJSDate()).replace(" ", "T");
}

function expand(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const timezones = [];
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(vtimezone);
    ICAL.TimezoneService.register(zone, zone.tzid);
    timezones.push(zone.tzid);
  }
  const masters = new Map();
  const overrides = [];
  for (const vevent of calendar.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(vevent);
    if (event.isRecurrenceException()) overrides.push(event);
    else masters.set(event.uid, event);
  }
  const occurrences = [];
  const describe = (item, start, end) => ({
    uid: item.uid,
    start: berlin(start),
    end: berlin(end),
    status: item.component.getFirstPropertyValue("status") ?? "",
    sequence: item.sequence ?? 0,
    summary: item.summary ?? "",
  });
  for (const override of overrides) {
    const master = masters.get(override.uid);
    if (master) master.relateException(override);
    else occurrences.push(describe(override, override.startDate, override.endDate));
  }
  for (const event of masters.values()) {
    if (!event.isRecurring()) {
      occurrences.push(describe(event, event.startDate, event.endDate));
      continue;
    }
    const iterator = event.iterator();
    let next;
    let count = 0;
    while ((next = iterator.next()) && next.compare(UNTIL) < 0) {
      if (++count > MAX_PER_SERIES) throw new Error(`${event.uid}: more than ${MAX_PER_SERIES} occurrences`);
      const details = event.getOccurrenceDetails(next);
      occurrences.push(describe(details.item, details.startDate, details.endDate));
    }
  }
  occurrences.sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid));
  const method = calendar.getFirstPropertyValue("method") ?? null;
  return { method, timezones, occurrences };
}

function main() {
  if (process.argv[2] === "--many") {
    const texts = JSON.parse(readFileSync(0, "utf8"));
    process.stdout.write(JSON.stringify(texts.map(expand)) + "\n");
  } else {
    process.stdout.write(JSON.stringify(expand(readFileSync(process.argv[2] ?? 0, "utf8"))) + "\n");
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`ical.js could not read the calendar: ${error.stack ?? error}\n`);
  process.exit(1);
}
