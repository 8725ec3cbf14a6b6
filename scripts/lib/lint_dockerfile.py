"""Checks a Dockerfile against the rules aiops's image keeps (scripts/check-deploy).

Parsed with dockerfile-parse (PyPI, maintained by the containerbuildsystem project), so
line continuations, comments and `AS` names are read as Docker reads them. Rules:

  multi-stage      at least two FROM (build tools stay out of the runtime image)
  pinned-base      every external base image has a version tag or a digest, never
                   `latest` or no tag
  non-root         the final stage ends with a USER that is not root / 0
  healthcheck      the final stage has a HEALTHCHECK (not NONE)
  volume           the final stage declares a VOLUME (the data dir)
  no-add-url       no ADD of a URL (use curl with a checksum, or COPY)
  apt-recommends   every `apt-get install` has --no-install-recommends
  apt-lists        every RUN that runs `apt-get update` also removes /var/lib/apt/lists

Usage: python lint_dockerfile.py Dockerfile   (exit 1 listing each broken rule)
"""

import re
import sys

from dockerfile_parse import DockerfileParser


def stages(structure):
    """The instructions grouped per FROM: [(from_value, [instructions])]."""
    out = []
    for ins in structure:
        if ins["instruction"] == "FROM":
            out.append((ins["value"], []))
        elif out:
            out[-1][1].append(ins)
    return out


def main(path):
    with open(path, "rb") as f:
        parser = DockerfileParser(fileobj=f)
        structure = parser.structure
    problems = []

    def fail(rule, line, message):
        problems.append(f"{path}:{line}: [{rule}] {message}")

    groups = stages(structure)
    froms = [i for i in structure if i["instruction"] == "FROM"]
    if len(froms) < 2:
        fail("multi-stage", 1, "one FROM: build in a stage of its own")

    names = set()
    for ins in froms:
        words = ins["value"].split()
        # FROM [--platform=…] image [AS name]
        words = [w for w in words if not w.startswith("--")]
        image = words[0]
        if len(words) >= 3 and words[1].lower() == "as":
            alias = words[2].lower()
        else:
            alias = None
        if image.lower() not in names and image != "scratch":
            if "@sha256:" not in image:
                tag = image.rsplit("/", 1)[-1].partition(":")[2]
                if not tag or tag == "latest" or not re.search(r"\d", tag):
                    fail("pinned-base", ins["startline"] + 1,
                         f"base image `{image}` is not pinned to a version or digest")
        if alias:
            names.add(alias)

    for ins in structure:
        line = ins["startline"] + 1
        if ins["instruction"] == "ADD" and re.search(r"(https?|ftp)://|git@", ins["value"]):
            fail("no-add-url", line, "ADD of a URL: fetch with a checksum, or COPY")
        if ins["instruction"] != "RUN":
            continue
        run = ins["value"]
        for m in re.finditer(r"apt-get\s+(?:-\S+\s+)*install\b[^&;|]*", run):
            if "--no-install-recommends" not in m.group(0):
                fail("apt-recommends", line, "apt-get install without --no-install-recommends")
        if re.search(r"apt-get\s+(?:-\S+\s+)*update\b", run) and not re.search(
            r"rm\s+-r?f?r?\s+/var/lib/apt/lists", run
        ):
            fail("apt-lists", line, "apt-get update without removing /var/lib/apt/lists/* in the same RUN")

    last = structure[-1]["endline"] + 1 if structure else 1
    if groups:
        final = groups[-1][1]
        users = [i for i in final if i["instruction"] == "USER"]
        if not users:
            fail("non-root", last, "the final stage has no USER: it runs as root")
        elif users[-1]["value"].split(":")[0].strip() in ("root", "0"):
            fail("non-root", users[-1]["startline"] + 1, "the final USER is root")
        checks = [i for i in final if i["instruction"] == "HEALTHCHECK"]
        if not checks or checks[-1]["value"].strip().upper() == "NONE":
            fail("healthcheck", last, "the final stage has no HEALTHCHECK")
        if not any(i["instruction"] == "VOLUME" for i in final):
            fail("volume", last, "the final stage declares no VOLUME for its data")

    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(f"{path}: {len(froms)} stages; pinned bases, non-root USER, HEALTHCHECK, VOLUME, "
          "no ADD of URLs, apt installs without recommends and with lists removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Dockerfile"))
