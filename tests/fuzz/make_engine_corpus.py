#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_engine (tests/fuzz/corpus/fuzz_engine/): one program per
scenario (full Main Mode + Quick Mode, Aggressive Mode + Quick Mode, NAT-T, DPD, DELETE, rekey,
loss/duplication/reordering, mutations under the HASH bypass, mode-config push and pull). The program format is the one
tests/fuzz/fuzz_engine.cc documents: byte 0 = scenario flags, then op bytes + arguments.
Run from the repository root: tests/fuzz/make_engine_corpus.py"""
import os

# scenario flags (byte 0)
MM, AM, NAT, DPD, SHORT, BYPASS, IKECFG = 0, 1, 2, 4, 8, 16, 128
PULL = DPD  # with IKECFG, the DPD bit makes the client pull (REQUEST/REPLY) instead of a push
TR_3DES, TR_AES256, TR_GRP14 = 1 << 5, 2 << 5, 3 << 5
# ops: low nibble = op, 0x10 = towards / on the right side, top 3 bits = extra
DELIVER, DROP, DUP, REORDER, XOR, SET, TRUNC, ADVANCE, DEADLINE, PUMP = range(10)
CONNECT, TEARDOWN, TEARDOWN_ALL, DELETE, EXPIRE, RUTHERE = range(10, 16)
R = 0x10


def x(extra):
    return extra << 5


def step_mm_qm():
    # MM1->R, MM2->L, MM3->R, MM4->L, MM5->R, MM6->L, QM1->R, QM2->L, QM3->R
    return [DELIVER | R, DELIVER, DELIVER | R, DELIVER, DELIVER | R, DELIVER,
            DELIVER | R, DELIVER, DELIVER | R, PUMP]


SEEDS = {
    "mm_qm_psk": [MM] + step_mm_qm(),
    "mm_qm_pump": [MM, PUMP, DEADLINE, PUMP],
    "mm_qm_3des": [MM | TR_3DES, PUMP],
    "mm_qm_aes256_sha256": [MM | TR_AES256, PUMP],
    "mm_qm_grp14": [MM | TR_GRP14, PUMP],
    "am_qm_psk": [AM, DELIVER | R, DELIVER, DELIVER | R, DELIVER | R, DELIVER, DELIVER | R, PUMP],
    "am_qm_pump": [AM, PUMP],
    "nat_t_mm": [NAT, PUMP, ADVANCE, 5, PUMP, ADVANCE, 6, PUMP],
    "nat_t_am": [NAT | AM, PUMP, ADVANCE, 10, PUMP],
    "dpd": [DPD, PUMP, ADVANCE, 11, PUMP, RUTHERE, 0, 7, PUMP, RUTHERE | R, 0, 9, PUMP,
            ADVANCE, 30, DROP | R, ADVANCE, 30, PUMP],
    "delete_phase2": [MM, PUMP, TEARDOWN, PUMP, CONNECT, PUMP],
    "delete_phase1": [MM, PUMP, TEARDOWN | x(1), PUMP],
    "delete_by_cookies": [MM, PUMP, DELETE | x(1), 0, PUMP, DELETE | R, 0, PUMP],
    "teardown_all": [MM, PUMP, TEARDOWN_ALL | R, PUMP, CONNECT, PUMP],
    "rekey_soft_expire": [SHORT, PUMP, EXPIRE, 0, PUMP, EXPIRE | R, 1, PUMP],
    "rekey_hard_expire": [SHORT, PUMP, EXPIRE | x(1), 0, PUMP],
    "rekey_lifetime": [SHORT, PUMP, ADVANCE | x(1), 60, PUMP, ADVANCE | x(1), 60, PUMP],
    "loss_retransmit": [MM, DROP | R, DEADLINE, PUMP],
    "duplicates": [MM, DUP | R, DELIVER | R, DUP, DELIVER, DUP | R, DELIVER | R, PUMP],
    "reorder_qm": [MM, DELIVER | R, DELIVER, DELIVER | R, DELIVER, DELIVER | R, DELIVER,
                   REORDER | R, PUMP],
    "mutate_mm1": [MM, XOR | R, 0, 40, 0x01, PUMP, DEADLINE, PUMP],
    "mutate_bypass_mm5": [MM | BYPASS, DELIVER | R, DELIVER, DELIVER | R, DELIVER,
                          XOR | R, 0, 60, 0x80, PUMP],
    "mutate_bypass_qm": [MM | BYPASS, DELIVER | R, DELIVER, DELIVER | R, DELIVER, DELIVER | R,
                         DELIVER, SET | R, 0, 30, 0x00, PUMP],
    "truncate": [AM, TRUNC | R, 100, PUMP, DEADLINE, PUMP],
    # mode-config Transaction after phase 1 (the two TRANSACTION rows of the transition table)
    "modecfg_push": [IKECFG, PUMP, DEADLINE, PUMP],
    "modecfg_pull": [IKECFG | PULL, PUMP, DEADLINE, PUMP],
    "modecfg_push_am_nat": [IKECFG | AM | NAT, PUMP, ADVANCE, 5, PUMP],
    "modecfg_set_lost": [IKECFG, DELIVER | R, DELIVER, DELIVER | R, DELIVER, DELIVER | R,
                         DELIVER, DROP, DEADLINE, PUMP],
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_engine")
    os.makedirs(out, exist_ok=True)
    for name, prog in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(prog))
    print(f"wrote {len(SEEDS)} programs to {out}")


if __name__ == "__main__":
    main()
