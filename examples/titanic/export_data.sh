#!/usr/bin/env bash
# Export carData::TitanicSurvival (shipped by Debian's r-cran-cardata; no network needed) to data/titanic.csv.
# Setup (root): apt-get install -y r-cran-cardata
# Columns: name,survived,sex,age,passengerClass — the R row names become `name`, a missing age is an empty cell.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p data
Rscript -e '
  d <- carData::TitanicSurvival
  d <- data.frame(name = rownames(d), d, row.names = NULL)
  write.csv(d, "data/titanic.csv", row.names = FALSE, na = "")
'
echo "wrote $(pwd)/data/titanic.csv ($(($(wc -l < data/titanic.csv) - 1)) rows)"
