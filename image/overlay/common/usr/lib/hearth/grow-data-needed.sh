#!/bin/sh
# ExecCondition of hearth-grow-data.service: exit 0 when the data partition may still be grown (the node hook then
# plans and grows it), 1 when it already reaches the end of its disk (systemd skips the unit; not a failure).
#
# Why: starting node only to learn "nothing to grow" cost ~5 s of CPU on every emulated boot, in the very seconds the
# agent starts on the same two vCPUs. This answers from sysfs and udev's database with shell builtins alone (no
# process is started). The planner (firmware-hooks/src/firstboot/grow-plan.ts) stays the one that decides: this
# script only says "nothing to do" when the planner would say so too (image/test/grow-data-needed.test.ts checks
# both agree), and says "run" whenever something is unexpected. Same arithmetic: sizes in 512-byte sectors, 1 MiB
# alignment, a GPT disk keeps its backup header and entry array (33 sectors) at the end.
#
# Usage: grow-data-needed.sh [MOUNTPOINT]   (default /data). The roots are variables for tests.
mount_point=${1:-/data}
proc=${HEARTH_PROC:-/proc}
sys=${HEARTH_SYS:-/sys}
udev=${HEARTH_UDEV_DATA:-/run/udev/data}

majmin=
while read -r _id _parent mm _root mnt _rest; do
  [ "$mnt" = "$mount_point" ] && majmin=$mm
done < "$proc/self/mountinfo"
[ -n "$majmin" ] || exit 0

# /sys/dev/block/MAJ:MIN links to the partition's directory, inside its disk's directory.
cd -P "$sys/dev/block/$majmin" 2>/dev/null || exit 0
{ [ -r start ] && [ -r size ] && [ -r ../size ]; } || exit 0
read -r start < start || exit 0
read -r size < size || exit 0
read -r disk < ../size || exit 0
# Anything but plain numbers (a dash arithmetic error would exit 2, which systemd reads as "skip"): run the hook.
for n in "$start" "$size" "$disk"; do
  case $n in '' | *[!0-9]*) exit 0 ;; esac
done

reserved=0
if [ -r "$udev/b$majmin" ]; then
  while read -r line; do
    [ "$line" = "E:ID_PART_ENTRY_SCHEME=gpt" ] && reserved=33
  done < "$udev/b$majmin"
fi

end=$((start + size - 1))
last_usable=$((disk - 1 - reserved))
aligned_end=$(((last_usable + 1) / 2048 * 2048 - 1))
[ "$aligned_end" -gt "$end" ] && exit 0
exit 1
