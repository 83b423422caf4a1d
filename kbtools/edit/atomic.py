"""Writing files so that nothing is ever half-written, and never through a link kb did not ask for.

Three kinds of target:

* `write_below(root, rel, data)`: a file of the knowledge base (an edited record, a new
  document, a schema, CODEOWNERS, the journal). Every folder from the root down is opened
  without following links, so a linked folder (`sops/x -> /elsewhere`) never receives a
  file, and a link, pipe or device where the file should be is refused, never written through.
* `write_output(name, text)`: the file a person named with `-o`. `-` is standard output; a
  link is written through to what it points at (`-o /dev/stdout`), a device or FIFO is
  written to as it is (`-o /dev/null`); a regular file is replaced atomically, a missing one
  created atomically. `output_problem(name)` words what is wrong with a name.
* `write_atomic(path, data)`: a regular file at a path the caller chose (its folder may be a
  link, the file may not); `write_set(folder, files)`: a set of files in a folder the person
  named, all of them or none.

Replacing a file means: a temporary file beside it, named `.<name>.kb-<8 hex digits>.tmp`,
written, flushed to disk, renamed over the file, then the folder flushed. `write_many_below`
replaces many files so: every temporary file first (many flushed with one `syncfs` of the
file system, not one by one), then the renames, then each folder flushed once. A kb killed before
the rename leaves the old file and a temporary file; `remove_stale_temps` deletes the
temporaries of that naming, and every writing command calls it while it holds the lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..findings import KBError
from .lock import wait_for

NEW_FILE_MODE = 0o644
_TEMP = re.compile(r"^\..+\.kb-[0-9a-f]{8}\.tmp$")
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# The folders of the knowledge base kb writes into (besides the root itself), for the clean-up.
WRITTEN_FOLDERS = ("sops", "accounts", "training", "org", "schemas", ".github")


def temp_name(name: str) -> str:
    """A fresh temporary name for `name` in the same folder (kb's own naming)."""
    return f".{name[:200]}.kb-{secrets.token_hex(4)}.tmp"


def is_temp(name: str) -> bool:
    """Is `name` a temporary file name of kb's own naming?"""
    return _TEMP.match(name) is not None


def _bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --- the one way a file is replaced -------------------------------------------------


def _replace_in(folder: int, name: str, raw: bytes, shown: str, *, exclusive: bool = False) -> None:
    """Write `raw` as `name` in the open folder: a temporary file, fsync, rename, fsync the folder.

    `exclusive`: the file must not exist yet (it is linked into place, never renamed over one).
    An existing entry that is not a regular file (a link, a pipe, a folder) is refused.
    """
    def write(fd: int, _: str) -> None:
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(raw)

    _install(folder, name, shown, write, NEW_FILE_MODE, exclusive=exclusive)


def _install(folder: int, name: str, shown: str, fill: Callable[[int, str], None], new_mode: int, *,
             exclusive: bool = False) -> None:
    """`fill(fd, temporary name)` writes a temporary file beside `name`, which is then flushed and put in its place.

    The file keeps its permissions (a new one gets `new_mode`); see `_replace_in` for `exclusive`.
    On any failure the temporary file is removed and `name` is left as it was.
    """
    mode = _mode_for(folder, name, shown, new_mode, exclusive=exclusive)
    fd, tmp = _open_temp(folder, name, shown)
    pending: str | None = tmp
    try:
        try:
            fill(fd, tmp)
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        _place(folder, tmp, name, shown, exclusive=exclusive)
        pending = None
        os.fsync(folder)
    finally:
        if pending is not None:
            with contextlib.suppress(OSError):
                os.unlink(pending, dir_fd=folder)


def _place(folder: int, tmp: str, name: str, shown: str, *, exclusive: bool) -> None:
    """Put the temporary file in `name`'s place: renamed over it, or (exclusive) linked where there is none."""
    if exclusive:
        try:
            os.link(tmp, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
        except FileExistsError:
            raise KBError(f"{shown} already exists") from None
        os.unlink(tmp, dir_fd=folder)
    else:
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)


def _temp_in(folder: int, name: str, raw: bytes, shown: str, *, exclusive: bool, flush: bool) -> str:
    """A temporary file beside `name` holding `raw` (with the permissions `name` gets), flushed to disk
    when `flush`; its name. Refuses what `_replace_in` refuses."""
    mode = _mode_for(folder, name, shown, NEW_FILE_MODE, exclusive=exclusive)
    fd, tmp = _open_temp(folder, name, shown)
    try:
        try:
            with os.fdopen(fd, "wb", closefd=False) as fh:
                fh.write(raw)
            os.fchmod(fd, mode)
            if flush:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        raise
    return tmp


# Flushing a file system at once (Linux syncfs(2)) instead of each of many files: one wait for the disk,
# not one per file. Worth it from this many files on (fewer are flushed one by one).
_SYNCFS_FROM = 64


def _syncfs_function() -> Callable[[int], int] | None:
    try:
        function: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return function


_SYNCFS = _syncfs_function() if sys.platform.startswith("linux") else None


def _mode_for(folder: int, name: str, shown: str, new_mode: int, *, exclusive: bool = False) -> int:
    """The permissions the file `name` gets: its own when it is there, else `new_mode`.

    What is there must be a regular file (never a link, which would be written through), or
    nothing at all when `exclusive`.
    """
    try:
        st = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return new_mode
    if exclusive:
        raise KBError(f"{shown} already exists")
    if not stat.S_ISREG(st.st_mode):
        raise KBError(f"{shown} is {_kind(st.st_mode)}, not a file; kb replaces only regular files there")
    return stat.S_IMODE(st.st_mode)


def _open_temp(folder: int, name: str, shown: str) -> tuple[int, str]:
    """A new temporary file beside `name`, open for writing, readable by its owner only: (fd, its name)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(16):
        tmp = temp_name(name)
        try:
            return os.open(tmp, flags, 0o600, dir_fd=folder), tmp
        except FileExistsError:
            continue
    raise KBError(f"cannot write {shown}: no free temporary name")  # pragma: no cover - 16 collisions of 32 bits


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    return "a device or socket"


# --- files of the knowledge base ----------------------------------------------------------


def _parts(rel: str) -> list[str]:
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise KBError(f"{rel}: not a plain path inside the knowledge base")
    return parts


def _open_sub(folder: int, name: str, shown: str) -> int:
    try:
        return os.open(name, _DIR | os.O_NOFOLLOW, dir_fd=folder)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise KBError(f"{shown} is a link or not a folder; kb writes only into real folders "
                          "of the knowledge base") from None
        raise


def _open_folder(root: Path, parts: Sequence[str], create: bool) -> int:
    """The folder root/parts opened without following a link below `root` (created when asked)."""
    fd = os.open(root, _DIR)
    try:
        for i, part in enumerate(parts):
            shown = "/".join(parts[: i + 1])
            try:
                sub = _open_sub(fd, part, shown)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
                    os.fsync(fd)
                sub = _open_sub(fd, part, shown)
            os.close(fd)
            fd = sub
        return fd
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def _folder_of(root: Path, rel: str, create: bool = False) -> Iterator[tuple[int, str]]:
    parts = _parts(rel)
    fd = _open_folder(root, parts[:-1], create)
    try:
        yield fd, parts[-1]
    finally:
        os.close(fd)


def write_below(root: Path, rel: str, data: str | bytes, *, create_dirs: bool = False,
                exclusive: bool = False) -> None:
    """Replace (or, `exclusive`, create) the file `rel` of the knowledge base at `root`, atomically."""
    try:
        with _folder_of(root, rel, create_dirs) as (folder, name):
            _replace_in(folder, name, _bytes(data), rel, exclusive=exclusive)
    except OSError as exc:
        raise KBError(f"cannot write {rel}: {_why(exc)}") from None


def write_many_below(root: Path, files: Sequence[tuple[str, bytes, bool]]) -> None:
    """Replace (or, when its flag is set, create) each file `(rel, data, exclusive)`, as `write_below` would,
    in order: every temporary file is written and flushed to disk (many at once: the file system is flushed
    once), then each is renamed into place, then every folder is flushed once. A kill leaves the files
    renamed so far new and the others old, and temporary files that `remove_stale_temps` deletes."""
    folders: dict[tuple[str, ...], int] = {}
    pending: list[tuple[int, str, str, str, bool]] = []  # (folder, temporary name, name, shown, exclusive)
    placed = 0
    at_once = _SYNCFS is not None and len(files) >= _SYNCFS_FROM
    current = ""
    try:
        for rel, data, exclusive in files:
            current = rel
            parts = _parts(rel)
            where = tuple(parts[:-1])
            if where not in folders:
                folders[where] = _open_folder(root, where, create=False)
            tmp = _temp_in(folders[where], parts[-1], data, rel, exclusive=exclusive, flush=not at_once)
            pending.append((folders[where], tmp, parts[-1], rel, exclusive))
        if at_once and _SYNCFS is not None:
            for device_fd in {os.fstat(fd).st_dev: fd for fd in folders.values()}.values():
                if _SYNCFS(device_fd) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code))
        for folder, tmp, name, shown, exclusive in pending:
            current = shown
            _place(folder, tmp, name, shown, exclusive=exclusive)
            placed += 1
        for fd in folders.values():
            os.fsync(fd)
    except OSError as exc:
        raise KBError(f"cannot write {current}: {_why(exc)}") from None
    finally:
        for folder, tmp, _name, _shown, _exclusive in pending[placed:]:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder)
        for fd in folders.values():
            os.close(fd)


def read_below(root: Path, rel: str) -> bytes:
    """The bytes of the file `rel`, read without following a link below `root`."""
    try:
        with _folder_of(root, rel) as (folder, name):
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise KBError(f"{rel} is a link; kb reads and writes only regular files") from None
                raise
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    raise KBError(f"{rel} is not a regular file")
                return fh.read()
    except OSError as exc:
        raise KBError(f"cannot read {rel}: {_why(exc)}") from None


def remove_below(root: Path, rel: str) -> None:
    """Delete the file `rel` (gone already is fine) and flush its folder."""
    try:
        with _folder_of(root, rel) as (folder, name):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=folder)
            os.fsync(folder)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KBError(f"cannot remove {rel}: {_why(exc)}") from None


def remove_stale_temps(root: Path) -> list[str]:
    """Delete the temporary files a killed kb left in the knowledge base; their paths, sorted.

    Only call this while holding the knowledge base's lock: then no kb is writing one.
    Links are never followed; folders kb does not write into, or cannot read, are not visited.
    """
    removed: list[str] = []
    stack: list[tuple[Path, bool]] = [(root, False)] + [(root / name, True) for name in WRITTEN_FOLDERS]
    while stack:
        folder, deep = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for item in entries:
                    if deep and item.is_dir(follow_symlinks=False):
                        stack.append((Path(item.path), True))
                    elif is_temp(item.name) and item.is_file(follow_symlinks=False):
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(item.path)
                        removed.append(Path(item.path).relative_to(root).as_posix())
        except OSError:  # missing, or unreadable (the loader reports that one): nothing to remove there
            continue
    return sorted(removed)


# --- files at a path the caller chose ---------------------------------------------------


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace the regular file `path` (or create it) atomically; its folder must exist and may be a link."""
    path = Path(path)
    shown = str(path)
    fd = _open_named(path.parent, f"cannot write {shown}")
    try:
        _replace_in(fd, path.name, _bytes(data), shown)
    except OSError as exc:
        raise KBError(f"cannot write {shown}: {_why(exc)}") from None
    finally:
        os.close(fd)


def write_atomic_by(path: Path, fill: Callable[[Path], None], *, new_mode: int = NEW_FILE_MODE) -> None:
    """Replace the regular file `path` (or create it) with what `fill` writes into a temporary file beside it.

    For writers that need a path rather than bytes (SQLite's backup). `fill` gets the empty
    temporary file's path; it is then flushed to disk and renamed over `path`, and the folder
    flushed. A link, folder or pipe at `path` is refused before anything is written; on any
    failure the temporary file is removed and `path` is left as it was. A new file gets
    `new_mode`, a replaced one keeps its permissions.
    """
    path = Path(path)
    shown = str(path)
    folder = _open_named(path.parent, f"cannot write {shown}")
    try:
        _install(folder, path.name, shown, lambda _, tmp: fill(path.parent / tmp), new_mode)
    except OSError as exc:
        raise KBError(f"cannot write {shown}: {_why(exc)}") from None
    finally:
        os.close(folder)


def _open_named(folder: Path, failure: str) -> int:
    """The folder a person named, opened (following a link); a KBError starting with `failure` if not."""
    try:
        return os.open(folder, _DIR)
    except FileNotFoundError:
        raise KBError(f"{failure}: folder {folder} does not exist") from None
    except NotADirectoryError:
        raise KBError(f"{failure}: {folder} is not a folder") from None
    except OSError as exc:
        raise KBError(f"{failure}: {_why(exc)}") from None


# --- a set of files in a folder the person named: all of them or none -------------------------

_BATCH = re.compile(r"^\.(?:.+\.)?kb-batch-[0-9a-f]{8}\.tmp$")


def write_set(folder: Path, files: dict[str, str], timeout: float) -> None:
    """Every file of `files` (name -> text) in `folder`, or none of them.

    A missing folder is made whole in a temporary folder beside it and renamed
    into place, so even a kill leaves all of it or nothing. Into an existing
    folder (it may be a link; the files in it may not) the files are written in
    a temporary folder inside it, then moved in one by one; a failure moves the
    old files back (a kill while moving can leave some replaced, each whole).
    Writers of one folder take turns (an flock on it, `timeout` seconds at most);
    temporary folders a killed kb left there are removed first.
    """
    exists = os.path.isdir(folder)
    target = folder if exists else folder.parent
    fd = _open_named(target, f"cannot write into {folder}")
    try:
        wait_for(fd, timeout, f"another kb command is writing into {target}; try again when it has finished")
        _remove_batches(fd, None if exists else folder.name)
        if exists:
            _swap_in(fd, folder, files)
        else:
            _make_whole(fd, folder, files)
    except OSError as exc:
        raise KBError(f"cannot write into {folder}: {_why(exc)}; nothing was written") from None
    finally:
        os.close(fd)


def _remove_batches(fd: int, name: str | None) -> None:
    """Temporary folders of kb's batch naming in the open folder (for `name`, or any); the caller holds its flock."""
    for entry in os.listdir(fd):
        if _BATCH.match(entry) and (name is None or entry.startswith(f".{name}.kb-batch-")):
            with contextlib.suppress(OSError):
                shutil.rmtree(entry, dir_fd=fd)


def _new_batch(fd: int, prefix: str) -> str:
    for _ in range(16):
        name = f"{prefix}kb-batch-{secrets.token_hex(4)}.tmp"
        try:
            os.mkdir(name, 0o755, dir_fd=fd)
            return name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary folder name")  # pragma: no cover


def _fill(parent: int, batch: str, files: dict[str, str]) -> int:
    """Write every file into the temporary folder `batch`; its open fd."""
    tfd = _open_sub(parent, batch, batch)
    try:
        for name, text in files.items():
            _replace_in(tfd, name, _bytes(text), name, exclusive=True)
        os.fsync(tfd)
        return tfd
    except BaseException:
        os.close(tfd)
        raise


def _make_whole(parent: int, folder: Path, files: dict[str, str]) -> None:
    batch = _new_batch(parent, f".{folder.name}.")
    try:
        os.close(_fill(parent, batch, files))
        os.rename(batch, folder.name, src_dir_fd=parent, dst_dir_fd=parent)
        os.fsync(parent)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(batch, dir_fd=parent)
        raise


def _swap_in(fd: int, folder: Path, files: dict[str, str]) -> None:
    for name in files:
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode):
            raise KBError(f"{folder / name} is {_kind(st.st_mode)}, not a file; nothing was written")
    batch = _new_batch(fd, ".")
    try:
        tfd = _fill(fd, batch, files)
        try:
            _move_in(fd, tfd, list(files))
        finally:
            os.close(tfd)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(batch, dir_fd=fd)


def _move_in(fd: int, tfd: int, names: list[str]) -> None:
    """Rename each file from the temporary folder over the folder's; on any failure put the old ones back."""
    done: list[tuple[str, bool]] = []
    try:
        for name in names:
            try:
                os.link(name, name + ".old", src_dir_fd=fd, dst_dir_fd=tfd, follow_symlinks=False)
                had = True
            except FileNotFoundError:
                had = False
            os.replace(name, name, src_dir_fd=tfd, dst_dir_fd=fd)
            done.append((name, had))
        os.fsync(fd)
    except BaseException:
        for name, had in reversed(done):
            with contextlib.suppress(OSError):
                if had:
                    os.replace(name + ".old", name, src_dir_fd=tfd, dst_dir_fd=fd)
                else:
                    os.unlink(name, dir_fd=fd)
        with contextlib.suppress(OSError):
            os.fsync(fd)
        raise


# --- -o FILE ---------------------------------------------------------------------------


def output_problem(name: str) -> str | None:
    """What is wrong with `name` as the file to write output to (None: nothing)."""
    if name == "-":
        return None
    if not name:
        return "the file name is empty (give - for standard output)"
    if name.endswith(("/", os.sep)):
        return f"{name} names a folder; give a file name"
    try:
        st: os.stat_result | None = os.stat(name)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        return f"{name}: a folder on its path is a file"
    except OSError as exc:
        return f"{name}: {_why(exc)}"
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            return f"{name} is a folder; give a file name"
        if stat.S_ISSOCK(st.st_mode):
            return f"{name} is a socket; give a file, a device or a pipe"
        return None
    target = os.path.realpath(name) if os.path.islink(name) else name
    parent = os.path.dirname(target) or "."
    if not os.path.isdir(parent):
        if os.path.lexists(parent):
            return f"{name}: {parent} is not a folder"
        return f"{name}: folder {parent} does not exist"
    return None


def write_output(name: str, text: str) -> None:
    """Write `text` to the file a person named (see the module's docstring); `-` is not handled here."""
    problem = output_problem(name)
    if problem:
        raise KBError(problem)
    raw = text.encode("utf-8")
    try:
        try:
            st: os.stat_result | None = os.stat(name)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            _write_through(name, raw)
            return
        if os.path.islink(name):
            if st is not None and (fd := _std_stream(st)) is not None:
                _write_fd(fd, raw)  # `-o /dev/stdout` while the shell sends standard output to a file
                return
            target = Path(os.path.realpath(name))
        else:
            target = Path(name)
    except OSError as exc:
        raise KBError(f"cannot write {name}: {_why(exc)}") from None
    write_atomic(target, raw)


def _std_stream(st: os.stat_result) -> int | None:
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if os.path.samestat(st, os.fstat(fd)):
                return fd
    return None


def _write_through(name: str, raw: bytes) -> None:
    """A device or FIFO: opened as it is (never created, truncated or replaced) and written."""
    fd = os.open(name, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        _write_all(fd, raw)
    finally:
        os.close(fd)


def _write_fd(fd: int, raw: bytes) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    _write_all(fd, raw)


def _write_all(fd: int, raw: bytes) -> None:
    view = memoryview(raw)
    while view:
        view = view[os.write(fd, view):]
