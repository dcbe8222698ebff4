import fs from 'fs';
import process from 'process';
import os from 'os';
import path from 'path';
import { glob } from 'glob';
import { SOURCE_DIR } from './constants.ts';

export function isWSL() {
  if (process.platform !== 'linux') {
    return false;
  }

  if (os.release().toLowerCase().includes('microsoft')) {
    return true;
  }

  try {
    return fs.readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft');
  } catch {
    return false;
  }
}

function loadJson(path: string) {
  const rawJson = fs.readFileSync(path, 'utf8');
  return JSON.parse(rawJson);
}

export function getPackageJson() {
  return loadJson(path.resolve(process.cwd(), 'package.json'));
}

// ModelTrace keeps plugin.json at the repository root, beside the Go backend that shares it.
export function getPluginJson() {
  return loadJson(path.resolve(process.cwd(), 'plugin.json'));
}

export function getCPConfigVersion() {
  const cprcJson = path.resolve(process.cwd(), './.config', '.cprc.json');
  return fs.existsSync(cprcJson) ? loadJson(cprcJson).version : { version: 'unknown' };
}

export function hasReadme() {
  return fs.existsSync(path.resolve(process.cwd(), SOURCE_DIR, 'README.md'));
}

// ModelTrace ships one plugin, so the only entry is src/module.ts (the scaffold searched for
// nested src/**/plugin.json files instead).
export async function getEntries() {
  const modules = await glob(`${SOURCE_DIR}/module.{ts,tsx,js,jsx}`, { absolute: true });
  if (modules.length !== 1) {
    throw new Error(`expected one ${SOURCE_DIR}/module.ts entry, found ${modules.length}: add src/module.ts`);
  }
  return { module: modules[0] };
}
