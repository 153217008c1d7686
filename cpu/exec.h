/*
 * cpu/exec.h - every execute function of RV64GC, one per base instruction,
 * named exec_ + the mnemonic with '.' turned into '_'. The decode table
 * (cpu/insn_table.c) points at them; compressed instructions reuse the base
 * function (c.addi -> exec_addi, c.j -> exec_jal with rd = sink).
 * Course: 处理器虚拟化 / 解释执行 (one function per instruction, spec pseudocode).
 * Spec: Unprivileged 20191213, Chapter 24 "RV32/64G Instruction Set Listings";
 *       Privileged 20211203, §3.3 "Machine-Mode Privileged Instructions".
 *
 * Implemented in:
 *   cpu/exec_int.c     RV64I, M, A, fence, fence.i, exec_illegal
 *   cpu/exec_fp.c      F and D
 *   cpu/exec_system.c  Zicsr, ecall, ebreak, mret, sret, wfi, sfence.vma
 * Every one has the exec_fn signature of cpu/internal.h.
 */
#ifndef VMLAB_CPU_EXEC_H
#define VMLAB_CPU_EXEC_H

#include "cpu/internal.h"

/* Raises the illegal-instruction exception (reserved or unknown encoding). */
int exec_illegal(struct hart *h, const struct insn *in);

/* ---- RV64I (Unprivileged §2, §5) ---- */
int exec_lui(struct hart *h, const struct insn *in);
int exec_auipc(struct hart *h, const struct insn *in);
int exec_jal(struct hart *h, const struct insn *in);
int exec_jalr(struct hart *h, const struct insn *in);
int exec_beq(struct hart *h, const struct insn *in);
int exec_bne(struct hart *h, const struct insn *in);
int exec_blt(struct hart *h, const struct insn *in);
int exec_bge(struct hart *h, const struct insn *in);
int exec_bltu(struct hart *h, const struct insn *in);
int exec_bgeu(struct hart *h, const struct insn *in);
int exec_lb(struct hart *h, const struct insn *in);
int exec_lh(struct hart *h, const struct insn *in);
int exec_lw(struct hart *h, const struct insn *in);
int exec_ld(struct hart *h, const struct insn *in);
int exec_lbu(struct hart *h, const struct insn *in);
int exec_lhu(struct hart *h, const struct insn *in);
int exec_lwu(struct hart *h, const struct insn *in);
int exec_sb(struct hart *h, const struct insn *in);
int exec_sh(struct hart *h, const struct insn *in);
int exec_sw(struct hart *h, const struct insn *in);
int exec_sd(struct hart *h, const struct insn *in);
int exec_addi(struct hart *h, const struct insn *in);
int exec_slti(struct hart *h, const struct insn *in);
int exec_sltiu(struct hart *h, const struct insn *in);
int exec_xori(struct hart *h, const struct insn *in);
int exec_ori(struct hart *h, const struct insn *in);
int exec_andi(struct hart *h, const struct insn *in);
int exec_slli(struct hart *h, const struct insn *in);
int exec_srli(struct hart *h, const struct insn *in);
int exec_srai(struct hart *h, const struct insn *in);
int exec_add(struct hart *h, const struct insn *in);
int exec_sub(struct hart *h, const struct insn *in);
int exec_sll(struct hart *h, const struct insn *in);
int exec_slt(struct hart *h, const struct insn *in);
int exec_sltu(struct hart *h, const struct insn *in);
int exec_xor(struct hart *h, const struct insn *in);
int exec_srl(struct hart *h, const struct insn *in);
int exec_sra(struct hart *h, const struct insn *in);
int exec_or(struct hart *h, const struct insn *in);
int exec_and(struct hart *h, const struct insn *in);
int exec_addiw(struct hart *h, const struct insn *in);
int exec_slliw(struct hart *h, const struct insn *in);
int exec_srliw(struct hart *h, const struct insn *in);
int exec_sraiw(struct hart *h, const struct insn *in);
int exec_addw(struct hart *h, const struct insn *in);
int exec_subw(struct hart *h, const struct insn *in);
int exec_sllw(struct hart *h, const struct insn *in);
int exec_srlw(struct hart *h, const struct insn *in);
int exec_sraw(struct hart *h, const struct insn *in);
int exec_fence(struct hart *h, const struct insn *in);   /* also fence.tso */
int exec_fence_i(struct hart *h, const struct insn *in); /* Zifencei */

/* ---- M (Unprivileged §7) ---- */
int exec_mul(struct hart *h, const struct insn *in);
int exec_mulh(struct hart *h, const struct insn *in);
int exec_mulhsu(struct hart *h, const struct insn *in);
int exec_mulhu(struct hart *h, const struct insn *in);
int exec_div(struct hart *h, const struct insn *in);
int exec_divu(struct hart *h, const struct insn *in);
int exec_rem(struct hart *h, const struct insn *in);
int exec_remu(struct hart *h, const struct insn *in);
int exec_mulw(struct hart *h, const struct insn *in);
int exec_divw(struct hart *h, const struct insn *in);
int exec_divuw(struct hart *h, const struct insn *in);
int exec_remw(struct hart *h, const struct insn *in);
int exec_remuw(struct hart *h, const struct insn *in);

/* ---- A (Unprivileged §8) ---- */
int exec_lr_w(struct hart *h, const struct insn *in);
int exec_sc_w(struct hart *h, const struct insn *in);
int exec_amoswap_w(struct hart *h, const struct insn *in);
int exec_amoadd_w(struct hart *h, const struct insn *in);
int exec_amoxor_w(struct hart *h, const struct insn *in);
int exec_amoand_w(struct hart *h, const struct insn *in);
int exec_amoor_w(struct hart *h, const struct insn *in);
int exec_amomin_w(struct hart *h, const struct insn *in);
int exec_amomax_w(struct hart *h, const struct insn *in);
int exec_amominu_w(struct hart *h, const struct insn *in);
int exec_amomaxu_w(struct hart *h, const struct insn *in);
int exec_lr_d(struct hart *h, const struct insn *in);
int exec_sc_d(struct hart *h, const struct insn *in);
int exec_amoswap_d(struct hart *h, const struct insn *in);
int exec_amoadd_d(struct hart *h, const struct insn *in);
int exec_amoxor_d(struct hart *h, const struct insn *in);
int exec_amoand_d(struct hart *h, const struct insn *in);
int exec_amoor_d(struct hart *h, const struct insn *in);
int exec_amomin_d(struct hart *h, const struct insn *in);
int exec_amomax_d(struct hart *h, const struct insn *in);
int exec_amominu_d(struct hart *h, const struct insn *in);
int exec_amomaxu_d(struct hart *h, const struct insn *in);

/* ---- F (Unprivileged §11) ---- */
int exec_flw(struct hart *h, const struct insn *in);
int exec_fsw(struct hart *h, const struct insn *in);
int exec_fmadd_s(struct hart *h, const struct insn *in);
int exec_fmsub_s(struct hart *h, const struct insn *in);
int exec_fnmsub_s(struct hart *h, const struct insn *in);
int exec_fnmadd_s(struct hart *h, const struct insn *in);
int exec_fadd_s(struct hart *h, const struct insn *in);
int exec_fsub_s(struct hart *h, const struct insn *in);
int exec_fmul_s(struct hart *h, const struct insn *in);
int exec_fdiv_s(struct hart *h, const struct insn *in);
int exec_fsqrt_s(struct hart *h, const struct insn *in);
int exec_fsgnj_s(struct hart *h, const struct insn *in);
int exec_fsgnjn_s(struct hart *h, const struct insn *in);
int exec_fsgnjx_s(struct hart *h, const struct insn *in);
int exec_fmin_s(struct hart *h, const struct insn *in);
int exec_fmax_s(struct hart *h, const struct insn *in);
int exec_fcvt_w_s(struct hart *h, const struct insn *in);
int exec_fcvt_wu_s(struct hart *h, const struct insn *in);
int exec_fcvt_l_s(struct hart *h, const struct insn *in);
int exec_fcvt_lu_s(struct hart *h, const struct insn *in);
int exec_fmv_x_w(struct hart *h, const struct insn *in);
int exec_feq_s(struct hart *h, const struct insn *in);
int exec_flt_s(struct hart *h, const struct insn *in);
int exec_fle_s(struct hart *h, const struct insn *in);
int exec_fclass_s(struct hart *h, const struct insn *in);
int exec_fcvt_s_w(struct hart *h, const struct insn *in);
int exec_fcvt_s_wu(struct hart *h, const struct insn *in);
int exec_fcvt_s_l(struct hart *h, const struct insn *in);
int exec_fcvt_s_lu(struct hart *h, const struct insn *in);
int exec_fmv_w_x(struct hart *h, const struct insn *in);

/* ---- D (Unprivileged §12) ---- */
int exec_fld(struct hart *h, const struct insn *in);
int exec_fsd(struct hart *h, const struct insn *in);
int exec_fmadd_d(struct hart *h, const struct insn *in);
int exec_fmsub_d(struct hart *h, const struct insn *in);
int exec_fnmsub_d(struct hart *h, const struct insn *in);
int exec_fnmadd_d(struct hart *h, const struct insn *in);
int exec_fadd_d(struct hart *h, const struct insn *in);
int exec_fsub_d(struct hart *h, const struct insn *in);
int exec_fmul_d(struct hart *h, const struct insn *in);
int exec_fdiv_d(struct hart *h, const struct insn *in);
int exec_fsqrt_d(struct hart *h, const struct insn *in);
int exec_fsgnj_d(struct hart *h, const struct insn *in);
int exec_fsgnjn_d(struct hart *h, const struct insn *in);
int exec_fsgnjx_d(struct hart *h, const struct insn *in);
int exec_fmin_d(struct hart *h, const struct insn *in);
int exec_fmax_d(struct hart *h, const struct insn *in);
int exec_fcvt_s_d(struct hart *h, const struct insn *in);
int exec_fcvt_d_s(struct hart *h, const struct insn *in);
int exec_feq_d(struct hart *h, const struct insn *in);
int exec_flt_d(struct hart *h, const struct insn *in);
int exec_fle_d(struct hart *h, const struct insn *in);
int exec_fclass_d(struct hart *h, const struct insn *in);
int exec_fcvt_w_d(struct hart *h, const struct insn *in);
int exec_fcvt_wu_d(struct hart *h, const struct insn *in);
int exec_fcvt_l_d(struct hart *h, const struct insn *in);
int exec_fcvt_lu_d(struct hart *h, const struct insn *in);
int exec_fmv_x_d(struct hart *h, const struct insn *in);
int exec_fcvt_d_w(struct hart *h, const struct insn *in);
int exec_fcvt_d_wu(struct hart *h, const struct insn *in);
int exec_fcvt_d_l(struct hart *h, const struct insn *in);
int exec_fcvt_d_lu(struct hart *h, const struct insn *in);
int exec_fmv_d_x(struct hart *h, const struct insn *in);

/* ---- Zicsr (Unprivileged §9) and system (Privileged §3.3, §4.2.1) ---- */
int exec_csrrw(struct hart *h, const struct insn *in);
int exec_csrrs(struct hart *h, const struct insn *in);
int exec_csrrc(struct hart *h, const struct insn *in);
int exec_csrrwi(struct hart *h, const struct insn *in);
int exec_csrrsi(struct hart *h, const struct insn *in);
int exec_csrrci(struct hart *h, const struct insn *in);
int exec_ecall(struct hart *h, const struct insn *in);
int exec_ebreak(struct hart *h, const struct insn *in);
int exec_mret(struct hart *h, const struct insn *in);
int exec_sret(struct hart *h, const struct insn *in);
int exec_wfi(struct hart *h, const struct insn *in);
int exec_sfence_vma(struct hart *h, const struct insn *in);
int exec_hfence(struct hart *h, const struct insn *in);

#endif
