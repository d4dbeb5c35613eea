# shellcheck shell=bash
make_rpi_firmware() { die "rpi: not yet"; }
assemble_rpi_disk() { die "rpi: not yet"; }
