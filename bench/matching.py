"""Matching engine: 10,000 open requests against 2,000 coaches.

Times the optimal engine (``coaching.matching.solve``, min-cost flow) and the
greedy baseline (``solve_greedy``) on the same generated instance and prints
wall time, peak memory, feasible pairs, matched and unmatched requests, total
and mean score, and the optimal/greedy ratios.

    .venv/bin/python bench/matching.py                     # 10,000 x 2,000, 3 rounds
    .venv/bin/python bench/matching.py --requests 1000 --coaches 200 --rounds 1

No Django and no database: the instance is generated with ``random`` from the
district's municipalities (``places/data/municipalities.csv``) and a fixed
seed. Every engine run happens in a fresh child process (multiprocessing,
``spawn``) that builds the instance, then solves it, so the peak RSS reported
is that run's alone (instance + engine, ``ru_maxrss`` read in the child after
solving) and one run's memory cannot flatter the next. Build time is reported
separately from the solve.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coaching.matching import (  # noqa: E402
    GOALS,
    SKILLS,
    CoachInput,
    MatchingInput,
    Place,
    RequestInput,
    TimeRange,
    solve,
    solve_greedy,
)

MUNICIPALITIES = ROOT / "places" / "data" / "municipalities.csv"

# Rough populations in thousands; towns not listed count 4.
TOWN_WEIGHTS = {
    "Neckarsulm": 27,
    "Eppingen": 22,
    "Bad Rappenau": 21,
    "Bad Friedrichshall": 19,
    "Brackenheim": 16,
    "Obersulm": 14,
    "Weinsberg": 12,
    "Lauffen am Neckar": 12,
    "Leingarten": 11,
    "Schwaigern": 11,
    "Neuenstadt am Kocher": 10,
    "Ilsfeld": 9,
    "Möckmühl": 8,
    "Nordheim": 8,
    "Untergruppenbach": 8,
    "Gundelsheim": 7,
    "Bad Wimpfen": 7,
    "Flein": 7,
}
DEFAULT_TOWN_WEIGHT = 4

# Newcomers' languages (besides German), weighted.
LEARNER_LANGUAGES = {
    "ar": 25,
    "uk": 20,
    "tr": 12,
    "fa": 10,
    "ru": 8,
    "ti": 5,
    "ps": 5,
    "ku": 5,
    "ro": 4,
    "so": 2,
    "en": 2,
    "fr": 1,
    "sq": 1,
}
# Volunteers' languages besides German, weighted.
COACH_LANGUAGES = {
    "en": 60,
    "fr": 10,
    "ar": 8,
    "tr": 8,
    "ru": 8,
    "uk": 6,
    "fa": 3,
    "ro": 3,
    "ku": 2,
    "sq": 2,
    "ti": 1,
    "ps": 1,
    "so": 1,
}
GERMAN_LEVEL_WEIGHTS = {"none": 25, "A1": 35, "A2": 22, "B1": 12, "B2": 5, "C1": 1}
COACH_LEVEL_WEIGHTS = {"basic": 20, "good": 40, "fluent": 25, "native": 15}
INDUSTRIES = SKILLS[len(GOALS) :]


def load_places() -> tuple[list[Place], list[float]]:
    places, weights = [], []
    with MUNICIPALITIES.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=1):
            places.append(Place(i, float(row["latitude"]), float(row["longitude"])))
            weights.append(TOWN_WEIGHTS.get(row["name"], DEFAULT_TOWN_WEIGHT))
    return places, weights


def pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def availability(rng: random.Random, ranges: int, evenings: bool) -> tuple[TimeRange, ...]:
    out = []
    for _ in range(ranges):
        weekday = rng.choices(range(7), weights=[10, 10, 10, 10, 9, 3, 1])[0]
        latest_start = 20 * 60 if evenings else 17 * 60
        start = rng.randrange(8 * 60, latest_start, 15)
        end = min(start + rng.choice((60, 90, 120, 180, 240)), 22 * 60)
        out.append(TimeRange(weekday, start, end))
    return tuple(out)


def build_instance(requests: int, coaches: int, seed: int) -> MatchingInput:
    rng = random.Random(seed)
    places, weights = load_places()
    place_ids = [p.id for p in places]

    request_list = []
    for rid in range(1, requests + 1):
        languages = {pick(rng, LEARNER_LANGUAGES)}
        if rng.random() < 0.3:
            languages.add("en")
        if rng.random() < 0.1:
            languages.add(pick(rng, LEARNER_LANGUAGES))
        goals = set(rng.sample(GOALS, rng.randint(1, 3)))
        if rng.random() < 0.3:
            goals.add(rng.choice(INDUSTRIES))
        preference = ""
        if rng.random() < 0.15:
            preference = "female" if rng.random() < 0.8 else "male"
        request_list.append(
            RequestInput(
                id=rid,
                programme="jobcoaching" if rng.random() < 0.7 else "care_language",
                languages=tuple(sorted(languages)),
                german_level=pick(rng, GERMAN_LEVEL_WEIGHTS),
                municipality=rng.choices(place_ids, weights=weights)[0],
                availability=availability(rng, rng.randint(1, 3), evenings=False),
                online_ok=rng.random() < 0.4,
                gender_preference=preference,
                goals=tuple(sorted(goals)),
            )
        )

    coach_list = []
    for cid in range(1, coaches + 1):
        spoken = {"de": "native"}
        for _ in range(rng.randint(1, 3)):
            spoken.setdefault(pick(rng, COACH_LANGUAGES), pick(rng, COACH_LEVEL_WEIGHTS))
        roll = rng.random()
        if roll < 0.6:
            programmes: tuple[str, ...] = ("jobcoaching",)
        elif roll < 0.9:
            programmes = ("care_language",)
        else:
            programmes = ("jobcoaching", "care_language")
        capacity = rng.randint(1, 5)
        coach_list.append(
            CoachInput(
                id=cid,
                programmes=programmes,
                languages=tuple(sorted(spoken.items())),
                municipality=rng.choices(place_ids, weights=weights)[0],
                travel_radius_km=float(rng.randint(5, 40)),
                online_ok=rng.random() < 0.5,
                availability=availability(rng, rng.randint(2, 4), evenings=True),
                capacity=capacity,
                load=rng.randint(0, capacity - 1),
                skills=tuple(sorted(rng.sample(SKILLS, rng.randint(2, 6)))),
                gender=rng.choices(("female", "male", "diverse", ""), weights=(50, 42, 3, 5))[0],
                active=rng.random() < 0.9,
            )
        )

    # About 2 % of requests were declined by one coach before.
    excluded = frozenset(
        (rng.randint(1, requests), rng.randint(1, coaches))
        for _ in range(requests // 50 if coaches else 0)
    )
    return MatchingInput(
        requests=tuple(request_list),
        coaches=tuple(coach_list),
        places=tuple(places),
        excluded_pairs=excluded,
    )


ENGINES = {"optimal": solve, "greedy": solve_greedy}


def run_child(engine: str, requests: int, coaches: int, seed: int, out) -> None:
    """In a fresh process: build, solve, report."""
    t0 = time.perf_counter()
    data = build_instance(requests, coaches, seed)
    t1 = time.perf_counter()
    result = ENGINES[engine](data)
    t2 = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    totals = result.totals
    out.send(
        {
            "engine": engine,
            "build_s": t1 - t0,
            "wall_s": t2 - t1,
            "peak_mb": peak_kb / 1024,
            "feasible": totals["feasible_pairs"],
            "matched": totals["matched"],
            "unmatched": totals["unmatched"],
            "total_score": totals["total_score"],
            "mean_score": totals["total_score"] / max(totals["matched"], 1),
            "coaches_used": totals["coach_load"]["coaches_used"],
            "mean_util": totals["coach_load"]["mean_utilisation"],
        }
    )
    out.close()


def measure(engine: str, args: argparse.Namespace) -> dict:
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=run_child, args=(engine, args.requests, args.coaches, args.seed, send)
    )
    child.start()
    send.close()
    figures = receive.recv()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"{engine} run failed with exit code {child.exitcode}")
    return figures


COLUMNS = (
    ("engine", "{:<8}"),
    ("build_s", "{:>8.2f}"),
    ("wall_s", "{:>7.2f}"),
    ("peak_mb", "{:>8.0f}"),
    ("feasible", "{:>9,d}"),
    ("matched", "{:>8,d}"),
    ("unmatched", "{:>9,d}"),
    ("total_score", "{:>11,d}"),
    ("mean_score", "{:>10.2f}"),
    ("coaches_used", "{:>12,d}"),
    ("mean_util", "{:>9.3f}"),
)
HEADER = (
    f"{'engine':<8} {'build s':>8} {'wall s':>7} {'peak MB':>8} {'feasible':>9} {'matched':>8} "
    f"{'unmatched':>9} {'total score':>11} {'mean score':>10} {'coaches used':>12} {'mean util':>9}"
)


def row(figures: dict) -> str:
    return " ".join(fmt.format(figures[key]) for key, fmt in COLUMNS)


def median_figures(runs: list[dict]) -> dict:
    out = dict(runs[0])
    for key in ("build_s", "wall_s", "peak_mb"):
        out[key] = statistics.median(r[key] for r in runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--coaches", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args()

    print(
        f"matching: {args.requests:,} requests, {args.coaches:,} coaches, "
        f"seed {args.seed}, {args.rounds} round(s), each run in a fresh process"
    )
    runs: dict[str, list[dict]] = {name: [] for name in ENGINES}
    for round_no in range(1, args.rounds + 1):
        print(f"\nround {round_no}")
        print(HEADER)
        for engine in ENGINES:
            figures = measure(engine, args)
            runs[engine].append(figures)
            print(row(figures))

    print(f"\nmedian over {args.rounds} round(s)")
    print(HEADER)
    medians = {engine: median_figures(r) for engine, r in runs.items()}
    for figures in medians.values():
        print(row(figures))

    best, base = medians["optimal"], medians["greedy"]
    print(
        "\noptimal / greedy: "
        f"matched {best['matched'] / max(base['matched'], 1):.4f}, "
        f"total score {best['total_score'] / max(base['total_score'], 1):.4f}, "
        f"mean score {best['mean_score'] / max(base['mean_score'], 1e-9):.4f}, "
        f"wall time {best['wall_s'] / max(base['wall_s'], 1e-9):.2f}"
    )
    if best["matched"] < base["matched"]:
        raise SystemExit("optimal matched fewer requests than greedy")


if __name__ == "__main__":
    main()
