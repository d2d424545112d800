"""A spool file on disk: what its name says (its state and its first click's time), the
lock a loader takes on it, and its lines."""

import fcntl
import os
import re
import time

# A `.new-` file is a writer's file between create and lock+rename; older than this, its
# writer died in between.
_NEW_FILE_GRACE_SECONDS = 60
_CREATED = re.compile(r"^(?:active|ready|\.new)-(\d{16})-")


def created_at(directory, name):
    match = _CREATED.match(name)
    if match:
        return int(match[1]) / 1e6
    try:
        return os.stat(os.path.join(directory, name)).st_mtime
    except FileNotFoundError:
        return None


def drainable(directory, name):
    if name.startswith(("ready-", "active-")):
        return True
    if name.startswith(".new-"):
        try:
            age = time.time() - os.stat(os.path.join(directory, name)).st_mtime
        except FileNotFoundError:
            return False
        return age > _NEW_FILE_GRACE_SECONDS
    return False


def open_locked(path):
    """(fd) of a spool file locked for loading, or None if a live process holds it."""
    try:
        fd = os.open(path, os.O_RDONLY)  # (read-only: loadable on a read-only disk too)
    except OSError:
        return None  # gone meanwhile, or unreadable
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_nlink == 0:
            raise FileNotFoundError  # another loader finished it while we waited
    except OSError:
        os.close(fd)
        return None
    return fd


def read_all(fd, size=None):
    """The first `size` bytes of an open file (all of it by default), however many reads."""
    size = os.fstat(fd).st_size if size is None else size
    data = bytearray()
    while len(data) < size:
        chunk = os.pread(fd, size - len(data), len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


_LINE_START = b'{"id":'


def lines_within(data, start, end):
    """The line data[start:end] as (start, end) spans: itself, or, when a half line (an
    older version's writer on a full disk) got a whole one glued to its end, the two. JSON
    escapes every quote inside a string, so `{"id":` only ever starts a line."""
    if not data[start:end].strip():
        return []
    glued = data.rfind(_LINE_START, start + 1, end)
    if glued < 0 or not data.startswith(_LINE_START, start):
        return [(start, end)]
    return [(start, glued), (glued, end)]
