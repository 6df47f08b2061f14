/**
 * WGSL sources of the WebGPU harness kernels. Pure string generators: no GPU needed to build them.
 *
 * Layouts (all row-major, as an inference engine holds them):
 *   matmul  C[M×N] = A[M×K] · Bᵀ with B[N×K] (activations × weightsᵀ, weights stored out × in)
 *   gemv    y[N] = W[N×K] · x[K]
 *   attention Q[B, q, H, D], K/V[B, c+q, Hkv, D] (context first, then the chunk's own keys), O like Q
 */

export type ElementType = 'f32' | 'f16';

/** Output tile of one matmul workgroup is TILE × TILE; each of the 16 × 16 invocations computes 4 × 4. */
export const MATMUL_TILE = 64;
export const MATMUL_TILE_K = 16;
export const MATMUL_WORKGROUP: [number, number] = [16, 16];

function enableF16(t: ElementType): string {
  return t === 'f16' ? 'enable f16;\n' : '';
}

/** Tiled matmul with workgroup-shared tiles; inputs of type `t`, fp32 accumulation, output of type `t`. */
export function matmulWgsl(t: ElementType): string {
  return `${enableF16(t)}
struct Params { M: u32, N: u32, K: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> A: array<${t}>;
@group(0) @binding(1) var<storage, read> B: array<${t}>;
@group(0) @binding(2) var<storage, read_write> C: array<${t}>;
@group(0) @binding(3) var<uniform> p: Params;

// Tiles stored k-major so that the inner loop reads 4 consecutive rows / columns.
var<workgroup> As: array<array<f32, ${MATMUL_TILE}>, ${MATMUL_TILE_K}>;
var<workgroup> Bs: array<array<f32, ${MATMUL_TILE}>, ${MATMUL_TILE_K}>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tid = lid.y * 16u + lid.x;
  let rowBase = wg.y * ${MATMUL_TILE}u;
  let colBase = wg.x * ${MATMUL_TILE}u;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < p.K; k0 = k0 + ${MATMUL_TILE_K}u) {
    for (var i = 0u; i < 4u; i = i + 1u) {
      let e = tid + i * 256u;
      let r = e / ${MATMUL_TILE_K}u;
      let kk = e % ${MATMUL_TILE_K}u;
      let gk = k0 + kk;
      let gr = rowBase + r;
      var va = 0.0;
      if (gr < p.M && gk < p.K) { va = f32(A[gr * p.K + gk]); }
      As[kk][r] = va;
      let gn = colBase + r;
      var vb = 0.0;
      if (gn < p.N && gk < p.K) { vb = f32(B[gn * p.K + gk]); }
      Bs[kk][r] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${MATMUL_TILE_K}u; kk = kk + 1u) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i = i + 1u) {
        a[i] = As[kk][lid.y * 4u + i];
        b[i] = Bs[kk][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
          acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let r = rowBase + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let c = colBase + lid.x * 4u + j;
      if (r < p.M && c < p.N) { C[r * p.N + c] = ${t}(acc[i][j]); }
    }
  }
}
`;
}

export const STREAM_WORKGROUP = 256;

/**
 * STREAM-style kernels over vec4<f32> arrays, grid-stride: copy b = a; triad a = b + s·c;
 * read: each invocation sums its elements and writes one value (so the loads cannot be removed).
 */
export function streamWgsl(kind: 'copy' | 'triad' | 'read'): string {
  const header = `
struct Params { n: u32, scalar: f32, pad0: u32, pad1: u32 }
@group(0) @binding(3) var<uniform> p: Params;
`;
  const body = {
    copy: `
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> b: array<vec4<f32>>;
@compute @workgroup_size(${STREAM_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * ${STREAM_WORKGROUP}u;
  for (var i = gid.x; i < p.n; i = i + stride) { b[i] = a[i]; }
}`,
    triad: `
@group(0) @binding(0) var<storage, read_write> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> c: array<vec4<f32>>;
@compute @workgroup_size(${STREAM_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * ${STREAM_WORKGROUP}u;
  for (var i = gid.x; i < p.n; i = i + stride) { a[i] = b[i] + p.scalar * c[i]; }
}`,
    read: `
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${STREAM_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * ${STREAM_WORKGROUP}u;
  var s = vec4<f32>(0.0);
  for (var i = gid.x; i < p.n; i = i + stride) { s = s + a[i]; }
  out[gid.x] = s.x + s.y + s.z + s.w;
}`,
  }[kind];
  return header + body;
}

export const GEMV_WORKGROUP = 64;

/** GEMV: one workgroup per output row; invocations stride over the row in vec4s, then a tree reduction. */
export function gemvWgsl(t: ElementType): string {
  return `${enableF16(t)}
struct Params { N: u32, K4: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<storage, read> W: array<vec4<${t}>>;
@group(0) @binding(1) var<storage, read> x: array<vec4<${t}>>;
@group(0) @binding(2) var<storage, read_write> y: array<${t}>;
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> partial: array<f32, ${GEMV_WORKGROUP}>;

@compute @workgroup_size(${GEMV_WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.y * 65535u + wg.x;
  var s = 0.0;
  if (row < p.N) {
    for (var j = lid.x; j < p.K4; j = j + ${GEMV_WORKGROUP}u) {
      s = s + dot(vec4<f32>(W[row * p.K4 + j]), vec4<f32>(x[j]));
    }
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var w = ${GEMV_WORKGROUP / 2}u; w > 0u; w = w / 2u) {
    if (lid.x < w) { partial[lid.x] = partial[lid.x] + partial[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u && row < p.N) { y[row] = ${t}(partial[0]); }
}
`;
}

export const ATTENTION_WORKGROUP = 64;
export const ATTENTION_MAX_HEAD_DIM = 256;

/**
 * Attention, f32, one invocation per (query token, head, sequence): a single pass over the keys with an
 * online softmax (running max and sum), causal within the chunk, grouped-query (head h reads KV head
 * h / (H / Hkv)). Straightforward rather than fast: it is labelled "webgpu-rowwise-online-softmax-f32".
 */
export function attentionWgsl(headDim: number): string {
  if (!Number.isInteger(headDim) || headDim < 1 || headDim > ATTENTION_MAX_HEAD_DIM) {
    throw new Error(`attention head dim ${headDim} outside 1..${ATTENTION_MAX_HEAD_DIM}`);
  }
  return `
const D: u32 = ${headDim}u;
struct Params { batch: u32, q: u32, ctx: u32, heads: u32, kvHeads: u32, causal: u32, scale: f32, pad: u32 }
@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(1) var<storage, read> K: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(${ATTENTION_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let rowsPerSeq = p.q * p.heads;
  let r = gid.x;
  let b = gid.y;
  if (r >= rowsPerSeq || b >= p.batch) { return; }
  let qi = r / p.heads;
  let h = r % p.heads;
  let kvh = h / (p.heads / p.kvHeads);
  let total = p.ctx + p.q;
  var nKeys = total;
  if (p.causal != 0u) { nKeys = p.ctx + qi + 1u; }
  var q: array<f32, D>;
  var acc: array<f32, D>;
  let qBase = ((b * p.q + qi) * p.heads + h) * D;
  for (var d = 0u; d < D; d = d + 1u) { q[d] = Q[qBase + d] * p.scale; acc[d] = 0.0; }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j < nKeys; j = j + 1u) {
    let kBase = ((b * total + j) * p.kvHeads + kvh) * D;
    var s = 0.0;
    for (var d = 0u; d < D; d = d + 1u) { s = fma(q[d], K[kBase + d], s); }
    let mNew = max(m, s);
    let corr = exp(m - mNew);
    let pj = exp(s - mNew);
    l = l * corr + pj;
    for (var d = 0u; d < D; d = d + 1u) { acc[d] = fma(pj, V[kBase + d], acc[d] * corr); }
    m = mNew;
  }
  let inv = 1.0 / l;
  for (var d = 0u; d < D; d = d + 1u) { O[qBase + d] = acc[d] * inv; }
}
`;
}

export const ATTENTION_KERNEL_LABEL = 'webgpu-rowwise-online-softmax-f32';
