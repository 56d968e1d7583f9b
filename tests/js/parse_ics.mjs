// Parse an iCalendar feed with Mozilla's ical.js (the parser inside Thunderbird) and print JSON.
//
// Usage: node parse_ics.mjs [FILE] [--until=2027-01-01T00:00:00Z] [--max=500]
// Reads FILE, or standard input when FILE is absent or "-". Prints one JSON object:
//   {"calendar": {...calendar properties...}, "timezones": [TZID...], "events": [...]}
// Each event carries its properties as parsed, its start/end in UTC (resolved through the
// VTIMEZONE of the same file: no time zone is registered globally, so a missing VTIMEZONE shows
// as a "floating" zone) and, for a recurring event, its occurrences expanded with
// ICAL.RecurExpansion (RRULE minus EXDATE) up to --until or --max occurrences.
// Exit status 2 on a parse error, with the message on stderr.

import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

const args = process.argv.slice(2);
const options = { until: null, max: 1000 };
let file = '-';
for (const arg of args) {
  if (arg.startsWith('--until=')) options.until = new Date(arg.slice('--until='.length));
  else if (arg.startsWith('--max=')) options.max = Number(arg.slice('--max='.length));
  else file = arg;
}

const text = readFileSync(file === '-' ? 0 : file, 'utf8');

function utc(time) {
  if (!time) return null;
  if (time.isDate) return time.toString(); // an all-day DATE stays a date
  return time.toJSDate().toISOString().replace('.000Z', 'Z');
}

function firstValue(component, name) {
  const value = component.getFirstPropertyValue(name);
  if (value === null || value === undefined) return null;
  if (value instanceof ICAL.Time) return utc(value);
  if (value instanceof ICAL.Duration) return value.toString();
  if (value instanceof ICAL.Recur) return value.toString();
  return value;
}

function describeEvent(vevent) {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  const end = event.endDate;
  const geo = vevent.getFirstPropertyValue('geo');
  const result = {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: firstValue(vevent, 'status'),
    sequence: event.sequence,
    url: firstValue(vevent, 'url'),
    geo: geo ? geo.map(Number) : null,
    categories: vevent.getAllProperties('categories').flatMap((p) => p.getValues()),
    dtstamp: firstValue(vevent, 'dtstamp'),
    last_modified: firstValue(vevent, 'last-modified'),
    created: firstValue(vevent, 'created'),
    dtstart_tzid: vevent.getFirstProperty('dtstart').getParameter('tzid') || null,
    dtstart_zone: start.zone ? start.zone.tzid : null,
    start_utc: utc(start),
    end_utc: utc(end),
    rrule: vevent.getAllProperties('rrule').map((p) => p.getFirstValue().toString()),
    exdates: vevent
      .getAllProperties('exdate')
      .flatMap((p) => p.getValues())
      .map(utc),
    recurring: event.isRecurring(),
    occurrences: [],
  };
  if (event.isRecurring()) {
    const expansion = event.iterator();
    let next;
    while ((next = expansion.next())) {
      if (options.until && next.toJSDate() >= options.until) break;
      const details = event.getOccurrenceDetails(next);
      result.occurrences.push({ start_utc: utc(details.startDate), end_utc: utc(details.endDate) });
      if (result.occurrences.length >= options.max) break;
    }
  } else {
    result.occurrences.push({ start_utc: result.start_utc, end_utc: result.end_utc });
  }
  return result;
}

try {
  const vcalendar = new ICAL.Component(ICAL.parse(text));
  const calendar = {};
  for (const prop of vcalendar.getAllProperties()) {
    const value = prop.getFirstValue();
    calendar[prop.name] = value && typeof value === 'object' ? value.toString() : value;
  }
  const output = {
    calendar,
    timezones: vcalendar
      .getAllSubcomponents('vtimezone')
      .map((tz) => tz.getFirstPropertyValue('tzid')),
    events: vcalendar.getAllSubcomponents('vevent').map(describeEvent),
  };
  process.stdout.write(JSON.stringify(output));
  process.stdout.write('\n');
} catch (error) {
  process.stderr.write(`parse error: ${error.message}\n`);
  process.exit(2);
}
