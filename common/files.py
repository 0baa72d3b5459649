"""File handling every package shares: paths on any file system and atomic
writes (who wrote a file is `common/owners.py`'s).

Every path a user gives (workdir, export dir, model dir, images, --out,
masks) may be local or a URL of any TensorFlow file system (gs://, s3://,
hdfs://, file://, ram://). The functions below take both: a local path goes
through `os` (pure Python, so the entry points check flags before TensorFlow
loads, and a disk-full error keeps its errno), a URL through `tf.io.gfile`,
imported only then. Their errors are OSError either way (`FileNotFoundError`,
`FileExistsError`, ...), with the file system's message as `strerror`.

Where file systems differ:
- `rename_dir`: rename(2) moves a folder in one atomic step on a local disk
  and for file://. Object stores (gs://, s3://) have no folders to rename:
  TensorFlow copies each object, and ram:// renames only the folder entry,
  leaving its files behind. On those, `rename_dir` moves the files one by
  one, deepest folders first and the top folder's own files last (a
  SavedModel's saved_model.pb after its variables/), so a reader can see a
  partly moved folder while it runs (a killed run leaves the files not yet
  moved in the staging folder, which the next run's `remove_abandoned`
  deletes).
- `walk` on ram:// drops names that do not exist: its listing matches
  by string prefix, so folder "assets" also lists ".extra" of "assets.extra".
- `rmtree` removes files then folders itself: ram://'s recursive delete
  leaves the files.

Two promises rest on this module:
- A file appears whole or not at all: it is written under a temporary name
  and renamed (`atomic_write`).
- A tool deletes only what it wrote: temporary and staging names carry the
  writer's host and PID (`owners.owned_name`), and leftovers are removed only
  when that process is gone (`owners.remove_abandoned`).
"""

import builtins
import contextlib
import errno
import os
import shutil
from typing import Iterator, List, Tuple

# File systems whose folder rename is one atomic rename(2).
_ATOMIC_DIR_RENAME = ("file",)


def is_url(path: str) -> bool:
  """True for SCHEME://... (any TensorFlow file system, file:// included)."""
  return "://" in str(path)


def scheme(path: str) -> str:
  """ "gs" for gs://b/x; "" for a local path."""
  return str(path).split("://", 1)[0] if is_url(path) else ""


def _gfile():
  import tensorflow as tf

  return tf.io.gfile


@contextlib.contextmanager
def _as_os_error(path: str):
  """tf.errors.OpError -> the matching OSError, naming `path`."""
  import tensorflow as tf

  try:
    yield
  except tf.errors.OpError as e:
    kind = {
      tf.errors.NotFoundError: FileNotFoundError,
      tf.errors.AlreadyExistsError: FileExistsError,
      tf.errors.PermissionDeniedError: PermissionError,
    }.get(type(e), OSError)
    code = {
      FileNotFoundError: errno.ENOENT,
      FileExistsError: errno.EEXIST,
      PermissionError: errno.EACCES,
    }.get(kind, errno.EIO)
    message = (e.message or type(e).__name__).strip().splitlines()[0]
    raise kind(code, message, path) from e


def exists(path: str) -> bool:
  if not is_url(path):
    return os.path.lexists(path)
  with _as_os_error(path):
    return _gfile().exists(path)


def isdir(path: str) -> bool:
  if not is_url(path):
    return os.path.isdir(path)
  with _as_os_error(path):
    return _gfile().isdir(path)


def isfile(path: str) -> bool:
  """A regular file (locally: not a FIFO or device, after symlinks)."""
  if not is_url(path):
    return os.path.isfile(path)
  with _as_os_error(path):
    return _gfile().exists(path) and not _gfile().isdir(path)


def listdir(path: str) -> List[str]:
  """Entry names; gfile's trailing "/" on folders (some stores) stripped."""
  if not is_url(path):
    return os.listdir(path)
  with _as_os_error(path):
    return [name.rstrip("/") for name in _gfile().listdir(path)]


def walk(top: str) -> Iterator[Tuple[str, List[str], List[str]]]:
  """os.walk, top-down: sorting the yielded folder list orders the walk."""
  if not is_url(top):
    yield from os.walk(top)
    return
  gfile = _gfile()
  with _as_os_error(top):
    for directory, subdirs, names in gfile.walk(top):
      if scheme(top) == "ram":
        # ram:// lists by string prefix: folder "assets" also shows
        # ".extra" of a sibling "assets.extra", a name that does not exist.
        names[:] = [n for n in names if gfile.exists(f"{directory}/{n}")]
      yield directory, subdirs, names


def glob(pattern: str) -> List[str]:
  """Local: Python's glob with ** recursive; a URL: gfile.glob (* ? [])."""
  if not is_url(pattern):
    import glob as glob_lib

    return glob_lib.glob(pattern, recursive=True)
  with _as_os_error(pattern):
    return _gfile().glob(pattern)


def makedirs(path: str):
  """Creates path and its parents; an existing folder is fine."""
  if not is_url(path):
    os.makedirs(path, exist_ok=True)
    return
  with _as_os_error(path):
    _gfile().makedirs(path)


def mkdir(path: str):
  """Creates one new folder; FileExistsError if path exists.

  On a URL "exists" is checked first (object stores have no exclusive
  mkdir), so this is exclusive only locally.
  """
  if not is_url(path):
    os.mkdir(path)
    return
  if exists(path):
    raise FileExistsError(errno.EEXIST, "exists", path)
  with _as_os_error(path):
    _gfile().mkdir(path)


def remove(path: str):
  """Deletes one file."""
  if not is_url(path):
    os.remove(path)
    return
  with _as_os_error(path):
    _gfile().remove(path)


def rmdir(path: str):
  """Deletes one empty folder; OSError if it is not empty."""
  if not is_url(path):
    os.rmdir(path)
    return
  if listdir(path):
    raise OSError(errno.ENOTEMPTY, "directory not empty", path)
  with _as_os_error(path):
    _gfile().rmtree(path)


def rmtree(path: str, ignore_errors: bool = False):
  """Deletes a folder and everything in it."""
  if not is_url(path):
    shutil.rmtree(path, ignore_errors=ignore_errors)
    return
  try:
    for directory, _, names in list(walk(path))[::-1]:
      for name in names:
        remove(f"{directory.rstrip('/')}/{name}")
    try:
      with _as_os_error(path):
        if _gfile().exists(path):
          _gfile().rmtree(path)
    except FileNotFoundError:
      pass  # ram:// may call a folder emptied above missing.
  except OSError:
    if not ignore_errors:
      raise


def replace(source: str, target: str):
  """Renames a file onto target, replacing it (os.replace)."""
  if not is_url(source):
    os.replace(source, target)
    return
  with _as_os_error(target):
    _gfile().rename(source, target, overwrite=True)


def rename_dir(source: str, target: str):
  """Moves folder `source` to `target`, which must be missing or empty.

  Raises:
    OSError: errno ENOTEMPTY or EEXIST when target holds anything (nothing
      is moved then), else the file system's error.
  """
  if not is_url(source):
    os.rename(source, target)  # rename(2) replaces only an empty folder.
    return
  if exists(target):
    if not isdir(target) or listdir(target):
      raise OSError(errno.ENOTEMPTY, "target exists and is not empty", target)
    rmdir(target)  # What rename(2) does to an empty target.
  if scheme(source) in _ATOMIC_DIR_RENAME:
    with _as_os_error(target):
      _gfile().rename(source, target, overwrite=False)
    return
  # See the module docstring: one file at a time, the top folder's last.
  source = source.rstrip("/")
  for directory, _, names in list(walk(source))[::-1]:
    moved = target + directory[len(source) :]
    makedirs(moved)
    for name in names:
      with _as_os_error(f"{moved}/{name}"):
        _gfile().rename(
          f"{directory}/{name}", f"{moved}/{name}", overwrite=False
        )
  rmtree(source)


def open_file(path: str, mode: str = "r"):
  """builtins.open locally; tf.io.gfile.GFile for a URL."""
  if not is_url(path):
    return builtins.open(path, mode)
  return _gfile().GFile(path, mode)


def read(path: str, mode: str = "r"):
  """The whole file (str, or bytes with mode "rb"); OSError if unreadable."""
  with _as_os_error(path) if is_url(path) else contextlib.nullcontext():
    with open_file(path, mode) as f:
      return f.read()


def realpath(path: str) -> str:
  """os.path.realpath locally; a URL as given, less a trailing "/"."""
  if not is_url(path):
    return os.path.realpath(path)
  return path.rstrip("/") if not path.endswith("://") else path


def parent(path: str) -> str:
  """The folder holding path (os.path.dirname locally); a URL's bucket or
  root is its own parent."""
  if not is_url(path):
    return os.path.dirname(path)
  head, _, rest = realpath(path).partition("://")
  if "/" not in rest:
    return path
  return f"{head}://{rest.rsplit('/', 1)[0]}"


TEMP_PREFIX = ".tmp-"


def atomic_write(path: str, data, mode: str = "w"):
  """Writes `data` to `path` whole or not at all (temporary name, rename).

  On any error the temporary file is removed and `path` is unchanged. A
  local file is fsynced before the rename (and a full disk raises OSError
  with errno ENOSPC); a URL is written with tf.io.gfile and renamed over
  `path` (on object stores the upload itself appears whole).
  """
  directory, name = os.path.split(path)
  tmp = os.path.join(directory, f"{TEMP_PREFIX}{name}.{os.getpid()}")
  try:
    if is_url(path):
      with _as_os_error(path):
        with open_file(tmp, mode) as f:
          f.write(data)
          f.flush()
      replace(tmp, path)
    else:
      with builtins.open(tmp, mode) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
      os.replace(tmp, path)
  except BaseException:
    try:
      remove(tmp)
    except Exception:
      pass  # Never hide the error that got us here.
    raise
