/**
 * Opening a WebGPU device in Node with the `webgpu` package (Dawn). On a machine with a GPU Dawn's default
 * backend (Vulkan on Linux, Metal, D3D12) is used; without one, compute shaders run on Mesa llvmpipe through
 * OpenGL ES (EGL_PLATFORM=surfaceless, compatibility feature level). See DESIGN.md §4.
 */
import { create, globals } from 'webgpu';

export type BackendChoice = 'auto' | 'default' | 'opengles';

export interface GpuContext {
  adapter: GPUAdapter;
  device: GPUDevice;
  /** Which Dawn path produced the adapter. */
  backend: 'default' | 'opengles';
  featureLevel: 'core' | 'compatibility';
  hasF16: boolean;
  hasTimestamps: boolean;
  /** A CPU rasteriser (llvmpipe, SwiftShader, lavapipe): its timings say nothing about GPU speed. */
  software: boolean;
  info: Record<string, string>;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupsPerDimension: number };
  close(): void;
}

let globalsInstalled = false;

/**
 * Every Dawn instance ever created stays referenced here. When the GPU object returned by `create()` is
 * garbage-collected, dawn.node tears the native instance down under live adapters and devices, and the
 * next GPU call crashes or hangs (seen with llvmpipe: SIGSEGV, SIGABRT, deadlock after a `gc()`).
 */
const liveInstances: GPU[] = [];

/** Installs GPUBufferUsage, GPUMapMode … as globals (Node has none). */
export function installWebgpuGlobals(): void {
  if (globalsInstalled) return;
  Object.assign(globalThis, globals);
  globalsInstalled = true;
}

const SOFTWARE_RE = /llvmpipe|softpipe|lavapipe|swiftshader|software/i;

function adapterInfo(adapter: GPUAdapter): Record<string, string> {
  const i = adapter.info;
  const out: Record<string, string> = {};
  for (const key of ['vendor', 'architecture', 'device', 'description'] as const) {
    const v = i[key];
    if (typeof v === 'string' && v.length > 0) out[key] = v;
  }
  return out;
}

async function tryAdapter(backend: 'default' | 'opengles'): Promise<{ adapter: GPUAdapter; featureLevel: 'core' | 'compatibility' } | null> {
  if (backend === 'opengles') {
    // Headless EGL: no X or Wayland display. Read by Mesa when the display is opened, so setting it here works.
    process.env['EGL_PLATFORM'] ??= 'surfaceless';
    const gpu = create(['backend=opengles']);
    liveInstances.push(gpu);
    const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
    return adapter === null ? null : { adapter, featureLevel: 'compatibility' };
  }
  const gpu = create([]);
  liveInstances.push(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter === null ? null : { adapter, featureLevel: 'core' };
}

/**
 * Opens a device. 'auto' prefers a hardware adapter from Dawn's default backend and falls back to OpenGL ES
 * (llvmpipe on a machine with no GPU). Returns an explanation instead of throwing when no adapter exists.
 */
export async function openGpu(choice: BackendChoice = 'auto'): Promise<GpuContext | { error: string }> {
  installWebgpuGlobals();
  const order: Array<'default' | 'opengles'> = choice === 'auto' ? ['default', 'opengles'] : [choice];
  const tried: string[] = [];
  for (const backend of order) {
    let found: Awaited<ReturnType<typeof tryAdapter>>;
    try {
      found = await tryAdapter(backend);
    } catch (e) {
      tried.push(`${backend}: ${(e as Error).message}`);
      continue;
    }
    if (found === null) {
      tried.push(`${backend}: no adapter`);
      continue;
    }
    const { adapter, featureLevel } = found;
    const info = adapterInfo(adapter);
    const software = SOFTWARE_RE.test(Object.values(info).join(' ')) || adapter.info.isFallbackAdapter === true;
    // With 'auto', a software adapter from the default backend is kept only if OpenGL ES finds nothing better.
    if (choice === 'auto' && backend === 'default' && software) {
      tried.push(`default: software adapter (${info['description'] ?? info['device'] ?? '?'}) skipped`);
      continue;
    }
    const features: GPUFeatureName[] = [];
    if (adapter.features.has('shader-f16')) features.push('shader-f16');
    if (adapter.features.has('timestamp-query')) features.push('timestamp-query');
    const l = adapter.limits;
    // Compatibility mode's defaults are small (128 invocations per workgroup): ask for what the adapter has.
    const requiredLimits: Record<string, number> = {
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    };
    const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits });
    return {
      adapter,
      device,
      backend,
      featureLevel,
      hasF16: device.features.has('shader-f16'),
      hasTimestamps: device.features.has('timestamp-query'),
      software,
      info,
      limits: {
        maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
        maxBufferSize: device.limits.maxBufferSize,
        maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
      },
      close: () => device.destroy(),
    };
  }
  return { error: `no WebGPU adapter (${tried.join('; ')})` };
}
