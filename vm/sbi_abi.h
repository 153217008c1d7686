/*
 * vm/sbi_abi.h - the Supervisor Binary Interface as both sides see it: the
 * VMM playing the guest's firmware (vm/sbi.c, --bios vmm) and an S-mode
 * guest calling it (guests/sbitest.c). Only constants, so a bare-metal guest
 * can include it.
 * Course: 处理器虚拟化 / 半虚拟化 (hypercall): an SBI call is the RISC-V
 *         guest kernel's hypercall; KVM answers it in the host kernel, as
 *         Xen answers a hypercall.
 * Spec: RISC-V SBI v2.0, §3 "Binary Encoding" (a7 = EID, a6 = FID, a0..a5
 *       arguments; a0 = error, a1 = value), §3 "Standard SBI Errors", §4
 *       "Base Extension", §5 "Legacy Extensions", §6 "Timer Extension", §7
 *       "IPI Extension", §8 "RFENCE Extension", §9 "Hart State Management
 *       Extension", §10 "System Reset Extension", §12 "Debug Console
 *       Extension".
 */
#ifndef VMLAB_VM_SBI_ABI_H
#define VMLAB_VM_SBI_ABI_H

#include "vm/pv_abi.h" /* SBI_SUCCESS and the errors the PV interface shares */

/* §3: the rest of the standard errors (a0 on return) */
#define SBI_ERR_FAILED            (-1)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define SBI_ERR_ALREADY_STARTED   (-7)
#define SBI_ERR_ALREADY_STOPPED   (-8)
#define SBI_ERR_NO_SHMEM          (-9)

/* a7: extension IDs (the newer ones spell their name in ASCII) */
#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR   0x01
#define SBI_EXT_LEGACY_GETCHAR   0x02
#define SBI_EXT_LEGACY_SHUTDOWN  0x08
#define SBI_EXT_BASE             0x10
#define SBI_EXT_TIME             0x54494D45 /* "TIME" */
#define SBI_EXT_IPI              0x735049   /* "sPI" */
#define SBI_EXT_RFENCE           0x52464E43 /* "RFNC" */
#define SBI_EXT_HSM              0x48534D   /* "HSM" */
#define SBI_EXT_SRST             0x53525354 /* "SRST" */
#define SBI_EXT_DBCN             0x4442434E /* "DBCN" */

/* a6: function IDs */
#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID      1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXTENSION  3
#define SBI_BASE_GET_MVENDORID    4
#define SBI_BASE_GET_MARCHID      5
#define SBI_BASE_GET_MIMPID       6

#define SBI_TIME_SET_TIMER 0
#define SBI_IPI_SEND_IPI   0

#define SBI_RFENCE_FENCE_I         0
#define SBI_RFENCE_SFENCE_VMA      1
#define SBI_RFENCE_SFENCE_VMA_ASID 2
#define SBI_RFENCE_HFENCE_VVMA     6 /* 3..6: the H extension's fences */

#define SBI_HSM_HART_START      0
#define SBI_HSM_HART_STOP       1
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_HSM_HART_SUSPEND    3

#define SBI_SRST_SYSTEM_RESET 0

#define SBI_DBCN_CONSOLE_WRITE      0
#define SBI_DBCN_CONSOLE_READ       1
#define SBI_DBCN_CONSOLE_WRITE_BYTE 2

/* §4.1: the spec version is (major << 24) | minor: v2.0 */
#define SBI_SPEC_VERSION_2_0 0x02000000

/*
 * §4.9 lists the registered implementation IDs (0 BBL, 1 OpenSBI, 2 Xvisor,
 * 3 KVM, ... 11 bhyve). vmlab is not registered: it answers "VML" in ASCII,
 * far from the registered small numbers, so no guest mistakes it for KVM.
 */
#define SBI_IMPL_ID_VMLAB      0x564D4C
#define SBI_IMPL_VERSION_VMLAB 0x00000001 /* vmlab 0.1: major << 16 | minor, as OpenSBI's */

/* §9: HSM hart states (sbiret.value of hart_get_status) */
#define SBI_HSM_STATE_STARTED 0
#define SBI_HSM_STATE_STOPPED 1

/* §9.4: suspend types */
#define SBI_HSM_SUSPEND_RET_DEFAULT    0x00000000u
#define SBI_HSM_SUSPEND_NONRET_DEFAULT 0x80000000u

/* §10.1: reset types and reasons */
#define SBI_SRST_TYPE_SHUTDOWN      0
#define SBI_SRST_TYPE_COLD_REBOOT   1
#define SBI_SRST_TYPE_WARM_REBOOT   2
#define SBI_SRST_REASON_NONE        0
#define SBI_SRST_REASON_SYS_FAILURE 1

#endif
