"""Durable click recording: an append-only spool file per process, loaded into `clicks`.

The redirect appends each click (`analytics.clicks.visit.Visit.encode`, one JSON line) with one
`os.write` to this process's spool file and answers at once. The data is then in the kernel's
page cache: it survives the worker being killed (even with SIGKILL) and PostgreSQL being
down. A flusher thread in each worker (or `manage.py drain_clicks`) takes the files about
once a second and hands them to `analytics.clicks.loader`.

Files in CLICK_SPOOL_DIR, and who may touch them:
  active-<µs>-<pid>-<token>-<n>.jsonl   being appended; its writer holds an flock on it
  ready-<µs>-<pid>-<token>-<n>.jsonl    handed over (after CLICK_FLUSH_INTERVAL), waiting
  rejected-<µs>-<pid>-<token>-<n>.jsonl lines that could not be loaded (logged too), for a
                                        replay; never read again by the loader
<µs> is when the file's first click was written (a file is created for its first click), so
names sort by time and tell the age of the oldest unloaded click. A loader takes an flock on
a file before reading it and deletes it after COMMIT; the kernel releases a dead process's
locks, so an unlocked `active-` file belongs to a dead worker and is loaded like a `ready-`
one. Every click has its UUID from the moment it is spooled, and a file loaded again after a
crash between COMMIT and delete stores no click twice.

Loading a file: read it whole, register its clicks with the burst detector at once, wait
until its newest click is BOT_BURST_LATENESS_SECONDS old (so the other workers' and servers'
clicks of the same moment are registered too: `analytics.verdicts.bursts`), then store it through the
loader in batches of CLICK_FLUSH_BATCH_SIZE and delete it. `flush()` (tests, shutdown,
`drain_clicks`) does not wait.

Faults, and what happens:
- A write fails (disk full, read-only, an I/O error): the click is dropped and counted
  (`status()`, /health), the first of an outage logged with its line. A partly written line
  is cut off again with ftruncate (which needs no space); if even that fails the next line
  starts with a newline, so a half line is only ever its own, rejected, line and never glues
  onto a good one. The next click tries again: recording resumes by itself.
- The spool folder is missing, read-only or was deleted under an open file: the writer
  creates it again if it can; a file deleted while open is written out anew from its open
  descriptor when it is handed over, so what was spooled is not lost.
- CLICK_SPOOL_MAX_BYTES reached (all files together, as of the last scan, at most a second
  old): new clicks are dropped and counted until loading makes room; spooled clicks are never
  dropped to make room.
- Loading frees space before it writes anything: a loaded file is deleted, or, when some of
  its lines were refused, those lines are written over the start of the same file, which is
  cut after them and renamed `rejected-…` (no new space needed on a full disk). If that fails
  too (read-only), the file stays locked by this process and is finished later, never loaded
  again. A file whose loading fails for any reason but the database, 3 times, is renamed
  `rejected-…` whole: no file is retried for ever.

Modules: `files` (names, locks and lines of a spool file), `writing` (this process's open
file, the size cap, the clicks that could not be spooled), `recording` (`append`: what the
redirect calls), `loading` (`drain`, `flush`), `flusher` (the thread, the worker's exit and
what /health reports).
"""
