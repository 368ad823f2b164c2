"""Reply evaluations for QA: data sets, runner, metrics, reports, comparison."""
