/*
 * vm/main.c - vmlab's entry point: parse the launch choices, build the VM
 * (or the VMs, --vm) on the host, run them, report.
 * Course: 案例: QEMU/KVM - this is the user-space half (QEMU's role: policy
 *         and devices); vm/run.c is the loop it drives.
 */
#include <stdio.h>
#include <string.h>

#include "monitor/monitor.h"
#include "vm/compare.h"
#include "vm/vm.h"

static enum vm_debug_action monitor_hook(void *ctx)
{
    enum monitor_action action = monitor_enter(ctx);
    if (action == MONITOR_QUIT) {
        return VM_DEBUG_QUIT;
    }
    return action == MONITOR_STEP ? VM_DEBUG_STEP : VM_DEBUG_CONTINUE;
}

static int write_stats(const struct host *host, const char *path)
{
    if (strcmp(path, "-") == 0) {
        host_stats_write_json(host, stdout);
        fflush(stdout);
        return 0;
    }
    FILE *out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "vmlab: --stats %s: cannot write: %m\n", path);
        return -1;
    }
    host_stats_write_json(host, out);
    return fclose(out) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "compare") == 0) {
        return vm_compare_main(argc - 1, argv + 1);
    }
    struct vm_config cfg;
    int parsed = vm_config_parse(&cfg, argc, argv);
    if (parsed != 0) {
        return parsed > 0 ? VMLAB_EXIT_PASS : VMLAB_EXIT_USAGE;
    }
    struct host *host = host_create(&cfg);
    if (!host) {
        return VMLAB_EXIT_USAGE;
    }
    /* The monitor is always there for Ctrl-A c; --monitor and a script stop at the start.
     * With several VMs it debugs vm0 (`info vms` lists them all). */
    struct vm *vm0 = host_vm(host, 0);
    struct monitor *mon = monitor_create(vm0, cfg.monitor_script, stdout);
    if (!mon) {
        host_destroy(host);
        return VMLAB_EXIT_USAGE;
    }
    vm_set_debugger(vm0, monitor_hook, mon, cfg.monitor || cfg.monitor_script);
    int status = host_run(host);
    host_finish(host);
    monitor_destroy(mon);
    if (!cfg.quiet || status != VMLAB_EXIT_PASS) {
        host_print_stop_reasons(host, stderr);
    }
    if (!cfg.quiet) {
        host_stats_print_summary(host, stderr);
    }
    if (cfg.stats_path && write_stats(host, cfg.stats_path) != 0 && status == VMLAB_EXIT_PASS) {
        status = VMLAB_EXIT_USAGE;
    }
    host_destroy(host);
    return status;
}
