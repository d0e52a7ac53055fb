# shellcheck shell=bash
# Settings bench/scale/seed.sh and bench/scale/run.sh share: the cluster's folder, port and server options, and
# which database holds which size. Sourced after bench/lib.sh, from the repository's root.
# shellcheck disable=SC2034  # read by the scripts that source this

pg_port=${PG_PORT:-54411}
cluster=${PG_DIR:-$root/.data/bench-scale-pg}
# A server sized for millions of rows rather than PostgreSQL's defaults (128 MB of shared buffers): the data set of a
# few GB should be served from memory, as a production database's working set would be.
export PG_OPTIONS=${PG_OPTIONS:--c shared_buffers=2GB -c effective_cache_size=8GB -c max_wal_size=8GB -c checkpoint_timeout=30min -c work_mem=16MB}

# The database of a size: large (LARGE customers, default 5,000,000 across 1,000 orgs) or small (SMALL, default
# 10,000 across 100 orgs), or a number of customers (across 1,000 orgs).
scale_customers() {  # SIZE
  case "$1" in
    large) echo "${LARGE:-5000000}" ;;
    small) echo "${SMALL:-10000}" ;;
    *[!0-9]* | '') echo "bench: a size is large, small or a number of customers, got '$1'" >&2; return 2 ;;
    *) echo "$1" ;;
  esac
}
scale_orgs() { case "$1" in small) echo "${SMALL_ORGS:-100}" ;; *) echo "${ORGS:-1000}" ;; esac; }  # SIZE
scale_database() { echo "crmhub_scale_$1"; }  # SIZE
