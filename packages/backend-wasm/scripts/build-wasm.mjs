// Compiles assembly/ into the four kernel modules of dist/: {baseline, relaxed SIMD} x
// {shared memory (threads), plain memory (one thread)}. The file names are loader.ts's
// KERNEL_FILES. One source: assembly/fma.ts picks the multiply-add per build.
import asc from 'assemblyscript/asc';

const common = [
  'assembly/index.ts',
  '--enable',
  'simd',
  '--enable',
  'threads',
  '-O3',
  '--runtime',
  'stub',
  '--noAssert',
  '--importMemory',
  '--initialMemory',
  '16',
  // Must match MAX_PAGES in src/create.ts.
  '--maximumMemory',
  '65536',
];
const builds = [
  { out: 'kernels.wasm', flags: ['--sharedMemory'] },
  { out: 'kernels-st.wasm', flags: [] },
  { out: 'kernels-relaxed.wasm', flags: ['--sharedMemory', '--enable', 'relaxed-simd'] },
  { out: 'kernels-relaxed-st.wasm', flags: ['--enable', 'relaxed-simd'] },
];

for (const b of builds) {
  const { error, stderr } = await asc.main([...common, ...b.flags, '-o', `dist/${b.out}`]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build:wasm: ${b.out} failed: ${error.message}`);
    process.exit(1);
  }
}
