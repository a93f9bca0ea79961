"""`albumgen models list|download|verify|remove`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from albumgen_desktop.cli.common import table
from albumgen_desktop.core.units import human_size


def cmd_models_list(args: argparse.Namespace) -> int:
    from albumgen_desktop.models.installed import size_on_disk
    from albumgen_desktop.models.manifest import load_bundles, load_manifest, role_label

    entries = load_manifest()
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    for e in entries:
        check = e.check()
        labels.append(check.state.label)
        rows.append(
            {
                "id": e.id,
                "name": e.display_name,
                "summary": e.summary,
                "role": e.role,
                "use": role_label(e.role),
                "repo": e.repo,
                "revision": e.revision,
                "size_bytes": e.size_bytes,
                "license": e.license.name,
                "license_summary": e.license.summary,
                "commercial_use": e.license.commercial,
                "tiers": list(e.tiers),
                "installed": check.state.value == "installed",
                "state": check.state.value,
                "problems": list(check.problems),
                "size_on_disk": size_on_disk(e),
                "resolved_commit": check.commit if check.snapshot is not None else None,
                "why": e.why,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    lines = table(
        [("ID", "USE", "SIZE", "LICENCE", "STATE")]
        + [(r["id"], r["use"], human_size(r["size_bytes"]), r["license"], label) for r, label in zip(rows, labels, strict=True)],
        right=(2,),
    )  # fmt: skip
    indent = " " * (max(len(r["id"]) for r in rows) + 2)
    print(lines[0])
    for line, r in zip(lines[1:], rows, strict=True):
        print(line)
        print(f"{indent}{r['name']}: {r['summary']}")
        print(f"{indent}{r['license_summary']}")
        for problem in r["problems"][:3]:
            print(f"{indent}{problem}")
        if args.verbose:
            print(f"{indent}{r['repo']}@{r['revision'][:12]}: {r['why']}")
    for b in load_bundles():
        print(f"bundle {b.id}: {b.name}, {human_size(b.size_bytes(entries))}: {', '.join(b.models)}")
    return 0


def cmd_models_download(args: argparse.Namespace) -> int:
    from albumgen_desktop.models.download import download_model
    from albumgen_desktop.models.manifest import find_model, load_bundles

    bundle = next((b for b in load_bundles() if b.id == args.model_id), None)
    if bundle is not None:
        entries = [e for e in bundle.entries() if not e.is_installed()]
        print(f"{bundle.name}: {human_size(bundle.size_bytes())} in all, {len(entries)} to download", file=sys.stderr)
    else:
        entries = [find_model(args.model_id)]
    for entry in entries:
        print(
            f"{entry.id} ({entry.display_name}): {entry.repo}@{entry.revision[:12]}, {human_size(entry.size_bytes)}, "
            f"licence {entry.license.name}",
            file=sys.stderr,
        )
        print(f"  {entry.license.summary}", file=sys.stderr)
        shown = {"pct": -1}

        def report(p, shown=shown) -> None:
            pct = int(100 * p.done / max(1, p.total))
            if pct != shown["pct"]:
                shown["pct"] = pct
                print(f"\r  {pct:3d}%  {p.filename}", end="", file=sys.stderr, flush=True)

        snapshot = download_model(entry, on_progress=report)
        print(f"\n{entry.id} is in {snapshot} (commit {snapshot.name})", file=sys.stderr)
    return 0


def cmd_models_verify(args: argparse.Namespace) -> int:
    from albumgen_desktop.core.errors import ModelMissingError
    from albumgen_desktop.models.manifest import ModelState, find_model, load_manifest
    from albumgen_desktop.models.verify import verify_report

    if args.model_id:
        entry = find_model(args.model_id)
        if entry.state() is ModelState.NOT_DOWNLOADED:
            raise ModelMissingError(
                f"{entry.id} is not downloaded, so there is nothing to verify; "
                f"run 'albumgen models download {entry.id}' first"
            )
        entries = [entry]
    else:
        entries = [e for e in load_manifest() if e.state() is not ModelState.NOT_DOWNLOADED]
    worst = 0
    for entry in entries:
        report = verify_report(entry)
        if report.problems:
            print(f"{entry.id}: {entry.state().label}: {'; '.join(report.problems)}")
            worst = 1
            continue
        note = f", {len(report.size_only)} by size only (no hash known)" if report.size_only else ""
        print(f"{entry.id}: ok ({len(report.hashed)} files hashed{note})")
    if not entries:
        print("no models are downloaded")
    return worst


def cmd_models_remove(args: argparse.Namespace) -> int:
    from albumgen_desktop.models.download import remove_model
    from albumgen_desktop.models.manifest import find_model

    entry = find_model(args.model_id)
    print(f"{entry.id}: {'removed' if remove_model(entry) else 'was not downloaded'}")
    return 0
