/**
 * A classic-BPF seccomp program for bwrap's `--seccomp FD`: defence in depth under the live stages' split (docs/sandbox.md).
 * Every sandboxed process gets EPERM from the calls that reach into another process's memory or descriptors —
 * ptrace, process_vm_readv/writev, pidfd_getfd, kcmp — so even a process it can see cannot be traced or robbed.
 * x86_64 and aarch64 only (null elsewhere: the sandbox then runs without the filter); x32 calls are refused whole.
 */
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO_EPERM = 0x00050001;
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const X32_SYSCALL_BIT = 0x40000000;

/** Audit arch and the denied syscall numbers (ptrace, process_vm_readv, process_vm_writev, kcmp, pidfd_getfd). */
const ARCHES: Record<string, { audit: number; denied: number[]; x32: boolean }> = {
  x64: { audit: 0xc000003e, denied: [101, 310, 311, 312, 438], x32: true },
  arm64: { audit: 0xc00000b7, denied: [117, 270, 271, 272, 438], x32: false },
};

/** The same calls by name, for the container backends' seccomp profile (build-container-seccomp-profile.ts). */
export const DENIED_SYSCALLS = ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd'] as const;

type Instruction = [code: number, jt: number, jf: number, k: number];

export function buildSeccompFilter(arch: string = process.arch): Buffer | null {
  const target = ARCHES[arch];
  if (target === undefined) return null;
  const program: Instruction[] = [
    [BPF_LD_W_ABS, 0, 0, OFFSET_ARCH],
    // another architecture's calls (e.g. i386 on x86_64) would bypass the numbers below: refuse them
    [BPF_JEQ_K, 1, 0, target.audit],
    [BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO_EPERM],
    [BPF_LD_W_ABS, 0, 0, OFFSET_NR],
  ];
  const deny = target.denied.length + (target.x32 ? 1 : 0);
  if (target.x32) program.push([BPF_JGE_K, deny, 0, X32_SYSCALL_BIT]);
  target.denied.forEach((nr, index) => {
    program.push([BPF_JEQ_K, target.denied.length - index, 0, nr]);
  });
  program.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW], [BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO_EPERM]);
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], index) => {
    bytes.writeUInt16LE(code, index * 8);
    bytes.writeUInt8(jt, index * 8 + 2);
    bytes.writeUInt8(jf, index * 8 + 3);
    bytes.writeUInt32LE(k, index * 8 + 4);
  });
  return bytes;
}
