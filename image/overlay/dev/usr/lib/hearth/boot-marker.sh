#!/bin/sh
# Developer image: one line on the console once boot-complete.target is reached, for tests and the benchmark.
slot=$(tr ' ' '\n' < /proc/cmdline | grep '^hearth.slot=')
pid=$(systemctl show -p MainPID --value hearth-agent.service)
rss=$( [ "${pid:-0}" != 0 ] && awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
# The hardware watchdog systemd pets (system.conf.d/50-hearth-watchdog.conf): "active" once PID 1 opened it.
wd=/sys/class/watchdog/watchdog0
wdstate=$(cat "$wd/state" 2>/dev/null || echo none)
wdtimeout=$(cat "$wd/timeout" 2>/dev/null || echo 0)
# The root's block device: /dev/mapper/hearth-root when the initramfs opened the slot through dm-verity.
rootdev=$(findmnt -n -o SOURCE / 2>/dev/null || echo unknown)
# Units that only work when there is work: grow-data "exec-condition" when its check skipped it (the data partition
# already fills the disk), "success" when it ran; data-layout's ConditionResult "no" when the layout was there.
grow=$(systemctl show -p Result --value hearth-grow-data.service)
layout=$(systemctl show -p ConditionResult --value hearth-data-layout.service)
echo "HEARTH-BOOT-COMPLETE $slot agent_rss_kb=${rss:-0} uptime_s=$(cut -d' ' -f1 /proc/uptime) watchdog=$wdstate watchdog_timeout_s=$wdtimeout hostname=$(cat /proc/sys/kernel/hostname) root=$rootdev grow_data=$grow data_layout_ran=$layout" > /dev/console
# The agent's own account of its start ('agent started', with startupMs per phase), for the same breakdown.
journalctl -b -o cat -u hearth-agent.service -g 'agent started' 2>/dev/null | tail -n 1 | sed 's/^/HEARTH-AGENT-STARTED /' > /dev/console
# Where boot time went (docs/IMAGE.md, figures): the agent's critical chain and the slowest units. systemd-analyze
# answers only once the boot has finished, which includes this unit: a transient timer asks a few seconds later.
systemd-run --quiet --no-block --on-active=5s --unit=hearth-boot-analyze /bin/sh -c \
  '{ systemd-analyze time; systemd-analyze critical-chain hearth-health.service; systemd-analyze blame | head -n 12; } 2>&1 |
   sed "s/^/HEARTH-ANALYZE /" > /dev/console'
