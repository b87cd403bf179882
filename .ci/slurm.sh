#!/usr/bin/env bash
# A single-node Slurm (munge, slurmctld, slurmd) in a scratch folder, for the sweep tests' real sbatch --array.
#   .ci/slurm.sh start DIR   writes DIR/slurm.conf, starts the daemons, waits until the node is idle
#   .ci/slurm.sh stop DIR    stops them by their pid files
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf. Needs root and Debian's slurm-wlm and munge.
set -euo pipefail
action=$1
S=$(cd "$2" && pwd)
export SLURM_CONF=$S/slurm.conf

start() {
  mkdir -p "$S"/{state,spool,log}
  cat > "$S/slurm.conf" <<CONF
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MaxArraySize=5
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=localhost NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  install -d -o munge -g munge -m 0755 /run/munge
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then runuser -u munge -- /usr/sbin/munged; fi
  slurmctld
  slurmd
  for _ in $(seq 1 100); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then return 0; fi
    sleep 0.2
  done
  echo "slurm.sh: the node did not become idle; logs in $S/log" >&2
  return 1
}

stop() {
  for pid in "$S/slurmd.pid" "$S/slurmctld.pid"; do
    if [ -f "$pid" ]; then kill "$(cat "$pid")" 2>/dev/null || true; fi
  done
  if [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
}

case $action in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
