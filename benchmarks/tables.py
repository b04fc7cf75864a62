"""Print the markdown tables of benchmarks/README.md from a pytest-benchmark JSON file.

    python benchmarks/tables.py .benchmarks/<machine>/0001_<commit>.json

(any file written by ``--benchmark-autosave`` or ``--benchmark-json=PATH``). Each table
lists the tests of one benchmark file with the timing and ``extra_info`` columns that
README.md discusses; times in microseconds unless the column says otherwise.
"""

from __future__ import annotations

import json
import sys

from tabulate import tabulate

#: per test function (``file::function`` where two files have a function of the same name):
#: the extra_info keys to show, in order
COLUMNS: dict[str, tuple[str, ...]] = {
    "test_fun": ("nnbench_us", "reference_us", "ratio", "ratio_paired"),
    "test_fun_and_grad": ("nnbench_us", "reference_us", "ratio", "ratio_paired", "reference_sigmoid"),
    "bench_softmax.py::test_fun_and_grad": ("nnbench_us", "reference_us", "ratio", "ratio_paired",
                                            "reference_blas_us", "ratio_reference_blas"),
    "test_row_max_forms": ("max_axis1_us", "transposed_copy_us", "ratio"),
    "test_row_sum_forms": ("sum_axis1_us", "ones_product_us", "ratio"),
    "test_hessp": ("hessp_us", "fun_and_grad_us", "ratio"),
    "test_hess": ("hess_us", "fun_and_grad_us", "ratio"),
    "test_residual_jac": ("residual_jac_us", "fun_and_grad_us", "ratio"),
    "test_sigmoid_forms": ("tanh_form_us", "expit_us", "ratio"),
    "test_instrumented_vs_bare": ("instrumented_us", "bare_us", "ratio", "overhead_us"),
    "test_instrumentation_overhead_alone": ("instrumented_us", "bare_us", "overhead_us"),
    "test_lbfgs_200_iterations": ("nnbench_us", "sklearn_us", "ratio", "ratio_paired", "nnbench_nit", "sklearn_nit",
                                  "nnbench_loss", "sklearn_loss"),
    "test_evaluation_vs_samples": ("n_samples", "n_params", "total_us", "products_us", "elementwise_us",
                                   "python_us", "ns_per_sample"),
    "test_evaluation_vs_params": ("n_samples", "n_params", "total_us", "products_us", "elementwise_us",
                                  "python_us"),
    "test_training_vs_samples": ("n_samples", "n_params", "us_per_iteration", "evaluation_us", "nfev",
                                 "optimizer_us_per_iteration", "optimizer_share"),
    "test_training_vs_params": ("n_samples", "n_params", "us_per_iteration", "evaluation_us", "nfev",
                                "optimizer_us_per_iteration", "optimizer_share"),
    "test_trainer": ("status", "best_cost", "pearson_r", "evaluations", "nit", "wall_time_s", "stop"),
}


def main(path: str) -> None:
    """Print one table per test function found in the JSON file at ``path``."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    info = data.get("machine_info", {})
    simd = sorted({str(b["extra_info"]["simd"]) for b in data["benchmarks"] if "simd" in b["extra_info"]})
    print(f"machine: {info.get('cpu', {}).get('brand_raw', '?')}, python {info.get('python_version', '?')}, "
          f"numpy SIMD level {', '.join(simd) or '?'}\n")
    rows: dict[str, list[list]] = {}
    columns: dict[str, tuple[str, ...]] = {}
    for b in data["benchmarks"]:
        func = b["name"].split("[")[0]
        where = f"{b['fullname'].split('::')[0].rsplit('/', 1)[-1]}::{func}"
        key = where if where in COLUMNS else func
        columns[where] = COLUMNS.get(key, ())
        param = b["name"][len(func):].strip("[]")
        rows.setdefault(where, []).append([param, round(b["stats"]["min"] * 1e6, 1)]
                                          + [b["extra_info"].get(k) for k in columns[where]])
    for where, table in rows.items():
        print(f"### {where}\n")
        print(tabulate(table, headers=["case", "min_us", *columns[where]], tablefmt="github"))
        print()


if __name__ == "__main__":
    main(sys.argv[1])
