"""The published model cache: cache entries (and executed chapters) packed for a web server, and
fetched from one by key.

A cache key hashes everything that decides a model's weights (recipe, parameters, seed, data,
code; see ``ganbook.cache``), so an entry trained by the publishing workflow from a commit is
the entry a reader's build of that commit would train. ``pack`` (run by
``python -m ganbook.publish FOLDER``) writes each whole entry of the local cache that the current
code would make (the recipes and the variants the chapters trained) as one zip archive, ``<name>-<key>.zip``, and an
``index.json`` with every archive's SHA-256; the workflow places them in the published site's
``models/`` folder. It packs the build's executed chapters too, each under its chapter key
(``ganbook.rebuild``), which a reader's first build takes instead of executing the chapter.

On a cache miss, ``ganbook.cache.load_or_train`` asks ``fetch`` first, from
``models_url``: ``GANBOOK_MODELS_URL`` if set (``off`` turns this off), else the published
site's ``models/`` folder when the book's address is known (``ganbook.address``), else
nowhere. The archive is downloaded with ``pooch`` against the SHA-256 in the index and unpacked
member by member, refusing anything but the entry's own files; the cache then checks the entry as
it checks its own (every field present, weights matching their hash, the right key). Any failure
(no such key, no server, a wrong hash, a damaged archive) raises ``FetchError`` with the
reason, and the model is trained as before.

Every download has a deadline for the whole transfer, connection included (``deadline_seconds``:
``TIMEOUT_SECONDS`` plus the archive's size at ``MIN_BYTES_PER_SECOND``), so a server that
drips its reply cannot hang a build. A server that does not answer, refuses, answers with an HTTP
error or misses the deadline is noted in the cache folder (``UNREACHABLE_FILE``) and not asked
again for ``SKIP_SECONDS`` by any process using that cache (the build's chapters and its
pre-training workers): one line says so, and the models are trained.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ganbook import address, settings
from ganbook.atomic import atomic_path, extract_zip, sha256_of

OFF = "off"
SITE_FOLDER = "models/"          # where the workflow puts the archives, inside the published site
INDEX_FILE = "index.json"
INDEX_FORMAT = 1
ENTRY_FILES = ("model.weights.h5", "record.json")  # the files of a cache entry (ganbook.cache)
CHAPTER_FILES = ("chapter.ipynb", "record.json")  # an executed chapter and its record (ganbook.rebuild)
TIMEOUT_SECONDS = 30             # to connect, and for each read: an unreachable server must not hang a build
MIN_BYTES_PER_SECOND = 100_000   # the slowest transfer waited for: a 20 MB entry may take 230 s in all
INDEX_BYTES = 1_000_000          # the index's size for its deadline (a few kB in practice)
CHUNK_BYTES = 1 << 16
UNREACHABLE_FILE = "models-server-unreachable.json"  # in the cache folder, shared by the build's processes
SKIP_SECONDS = 15 * 60           # how long a server that failed is not asked again
MAX_UNPACKED_BYTES = 1 << 30     # the largest entry is about 20 MB; refuse zip bombs
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip members' date: the same entry packs to the same bytes


class FetchError(RuntimeError):
    """An entry could not be fetched; the message says why (and the model is trained instead)."""


class ServerSkipped(FetchError):
    """The server failed shortly before (in this process or another using the same cache): not asked."""


def models_url(folder: str | Path | None = None) -> str | None:
    """Where published entries are fetched from (ending in a slash), or None for nowhere.

    ``folder`` is the clone whose address decides the default (the package's own source tree if
    not given; an installed wheel has none, so no default).
    """
    configured = settings.models_url_setting()
    if configured is not None:
        return None if configured.lower() == OFF else configured.rstrip("/") + "/"
    site = address.site_url(folder if folder is not None else Path(__file__).resolve().parents[2])
    return site + SITE_FOLDER if site else None


def pack(entries: Iterable[Path], out_dir: Path, chapters: Iterable[Path] = ()) -> dict:
    """Write each entry folder (and each executed chapter's folder) as ``out_dir/<folder name>.zip``
    and the index of their SHA-256 sums."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = {"format": INDEX_FORMAT, "entries": {}}
    folders = [(Path(e), ENTRY_FILES) for e in entries] + [(Path(c), CHAPTER_FILES) for c in chapters]
    for entry, files in sorted(folders):
        archive = out_dir / f"{entry.name}.zip"
        with atomic_path(archive) as staging:
            with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                for name in files:
                    member = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                    member.compress_type = zipfile.ZIP_DEFLATED
                    bundle.writestr(member, (entry / name).read_bytes())
        index["entries"][entry.name] = {"archive": archive.name, "sha256": sha256_of(archive),
                                        "bytes": archive.stat().st_size}
    with atomic_path(out_dir / INDEX_FILE) as staging:
        staging.write_text(json.dumps(index, indent=1, sort_keys=True))
    return index


def deadline_seconds(size_bytes: int) -> float:
    """The whole time a download of ``size_bytes`` may take, connecting included."""
    return TIMEOUT_SECONDS + size_bytes / MIN_BYTES_PER_SECOND


class _DeadlineDownloader:
    """A pooch downloader with a deadline for the whole transfer.

    Why our own: pooch's ``HTTPDownloader`` (requests) has only a per-read timeout, which a server
    sending a byte every few seconds resets for ever. Here every read returns what has arrived
    (``read1``, waiting at most ``TIMEOUT_SECONDS``) and the deadline is checked between reads.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __call__(self, url: str, output_file, pooch_instance, check_only: bool = False) -> None:
        end = time.monotonic() + self.seconds
        with urllib.request.urlopen(url, timeout=min(TIMEOUT_SECONDS, self.seconds)) as reply, \
                open(output_file, "wb") as out:
            while chunk := reply.read1(CHUNK_BYTES):
                out.write(chunk)
                if time.monotonic() > end:
                    raise TimeoutError(f"the whole reply did not arrive within {self.seconds:.0f} s")


def _unreachable_path() -> Path:
    return settings.cache_dir() / UNREACHABLE_FILE


def _noted_unreachable() -> dict:
    try:
        noted = json.loads(_unreachable_path().read_text())
    except (OSError, ValueError):
        return {}
    return noted if isinstance(noted, dict) else {}


def skip_reason(base: str) -> str | None:
    """Why ``base`` is not asked now (it failed less than ``SKIP_SECONDS`` ago), or None."""
    noted = _noted_unreachable().get(base)
    if not isinstance(noted, dict) or not isinstance(noted.get("since"), (int, float)):
        return None
    if not 0 <= time.time() - noted["since"] < SKIP_SECONDS:
        return None
    return str(noted.get("reason", "it failed"))


def _note_unreachable(base: str, reason: str) -> None:
    noted = _noted_unreachable()
    noted[base] = {"since": time.time(), "reason": reason}
    try:
        _unreachable_path().parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(_unreachable_path()) as staging:
            staging.write_text(json.dumps(noted, indent=1))
    except OSError:  # a read-only cache: this process still reports the failure
        pass


def _download(base: str, name: str, known_hash: str | None, folder: Path, size_bytes: int) -> Path:
    pooch = settings.quiet_pooch()
    url, seconds = base + name, deadline_seconds(size_bytes)
    try:
        return Path(pooch.retrieve(url, known_hash=known_hash, fname=Path(name).name, path=folder,
                                   downloader=_DeadlineDownloader(seconds)))
    except (OSError, http.client.HTTPException) as error:  # no answer, refused, an HTTP error, the deadline
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        _note_unreachable(base, reason)
        raise FetchError(f"{url}: {reason}; not asking {base} again for {SKIP_SECONDS // 60} minutes") from None
    except Exception as error:  # noqa: BLE001 - a wrong hash, anything else: a reason, not a dead server
        raise FetchError(f"{url}: {type(error).__name__}: {error}".splitlines()[0]) from None


def _index_entry(base: str, entry_name: str, folder: Path) -> dict:
    path = _download(base, INDEX_FILE, None, folder, INDEX_BYTES)
    try:
        entries = json.loads(path.read_text())["entries"]
    except (ValueError, KeyError, TypeError) as error:
        raise FetchError(f"{base}{INDEX_FILE} is not a model index ({error})") from None
    found = entries.get(entry_name) if isinstance(entries, dict) else None
    if not isinstance(found, dict) or not {"archive", "sha256"} <= set(found):
        raise FetchError(f"{base}{INDEX_FILE} has no entry {entry_name}")
    if Path(found["archive"]).name != found["archive"]:
        raise FetchError(f"{base}{INDEX_FILE} names an archive outside its folder: {found['archive']!r}")
    return found


def unpack(archive: Path, target: Path, files: tuple[str, ...] = ENTRY_FILES) -> None:
    """Extract an entry archive into the folder ``target``: only the entry's own regular ``files``.

    Any other member (a path that would leave ``target``, a link, a subfolder, a duplicate) or an
    oversized one makes the whole archive untrusted.
    """
    try:
        extract_zip(archive, target, names=files, max_bytes=MAX_UNPACKED_BYTES, refuse=FetchError)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise FetchError(f"{archive.name} is not a readable zip archive ({error})") from None


def fetch(entry_name: str, target: Path, base: str, files: tuple[str, ...] = ENTRY_FILES) -> None:
    """Download the published entry ``entry_name`` from ``base`` and unpack its ``files`` into ``target``.

    Raises ``FetchError`` with the reason when anything is missing or wrong. The caller checks
    the unpacked entry itself before trusting it.
    """
    reason = skip_reason(base)
    if reason is not None:
        raise ServerSkipped(f"{base} failed less than {SKIP_SECONDS // 60} minutes ago ({reason})")
    with tempfile.TemporaryDirectory(prefix="ganbook-fetch-") as scratch:
        found = _index_entry(base, entry_name, Path(scratch))
        size = found.get("bytes") if isinstance(found.get("bytes"), int) and found["bytes"] > 0 else INDEX_BYTES
        archive = _download(base, found["archive"], f"sha256:{found['sha256']}", Path(scratch), size)
        unpack(archive, Path(target), files)
