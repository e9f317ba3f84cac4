// Generates apiserver/typemodel/kubernetes.json, the embedded API server's model of the built-in
// Kubernetes types (fields, JSON types and formats, required fields, documentation), from the
// generated models of the npm package @kubernetes/client-node (dist/gen/models/*.js carry an
// attributeTypeMap per type; the matching .d.ts files carry the documentation and which fields
// are optional).
//
//   node scripts/gen-typemodel.mjs PACKAGE_DIR > apiserver/typemodel/kubernetes.json
//
// scripts/gen-typemodel fetches the package with npm and runs this.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const packageDir = process.argv[2];
if (!packageDir) {
  console.error('usage: gen-typemodel.mjs PACKAGE_DIR');
  process.exit(2);
}
const modelsDir = path.join(packageDir, 'dist/gen/models');
const packageJson = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));

// The npm models type resource.Quantity as a plain string. These fields are Quantities (a
// string or a number) in the Kubernetes API; "map" marks map[string]Quantity.
const QUANTITIES = {
  'V1ResourceRequirements.limits': 'map', 'V1ResourceRequirements.requests': 'map',
  'V1VolumeResourceRequirements.limits': 'map', 'V1VolumeResourceRequirements.requests': 'map',
  'V1LimitRangeItem.default': 'map', 'V1LimitRangeItem.defaultRequest': 'map',
  'V1LimitRangeItem.max': 'map', 'V1LimitRangeItem.maxLimitRequestRatio': 'map',
  'V1LimitRangeItem.min': 'map', 'V1ResourceQuotaSpec.hard': 'map',
  'V1ResourceQuotaStatus.hard': 'map', 'V1ResourceQuotaStatus.used': 'map',
  'V1PersistentVolumeSpec.capacity': 'map', 'V1PersistentVolumeClaimStatus.capacity': 'map',
  'V1PersistentVolumeClaimStatus.allocatedResources': 'map', 'V1NodeStatus.capacity': 'map',
  'V1NodeStatus.allocatable': 'map', 'V1PodSpec.overhead': 'map',
  'V1ContainerStatus.allocatedResources': 'map', 'V1RuntimeClassOverhead.podFixed': 'map',
  'V1EmptyDirVolumeSource.sizeLimit': 'scalar', 'V1ResourceFieldSelector.divisor': 'scalar',
  'V2MetricTarget.averageValue': 'scalar', 'V2MetricTarget.value': 'scalar',
  'V2MetricValueStatus.averageValue': 'scalar', 'V2MetricValueStatus.value': 'scalar',
  'V1CSIStorageCapacity.capacity': 'scalar', 'V1CSIStorageCapacity.maximumVolumeSize': 'scalar',
};

function scalarType(tsType, format) {
  switch (tsType) {
    case 'string':
      return { byte: 'byte', 'date-time': 'time', 'date-time-micro': 'microtime' }[format] || 'string';
    case 'number':
      return { int32: 'int32', int64: 'int64' }[format] || 'double';
    case 'boolean': return 'bool';
    case 'Date': return format === 'date-time-micro' ? 'microtime' : 'time';
    case 'any': return 'any';
    case 'IntOrString': return 'intstr';
    default: return null;
  }
}

function convertType(tsType, format) {
  tsType = tsType.trim();
  const array = tsType.match(/^Array<(.*)>$/);
  if (array) return '[]' + convertType(array[1], format);
  const map = tsType.match(/^\{\s*\[key: string\]:\s*(.*?);?\s*\}$/);
  if (map) return 'map[]' + convertType(map[1], format);
  return scalarType(tsType, format) || tsType;
}

function cleanDoc(text) {
  return text
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, ''))
    .join('\n')
    .replace(/\\(['"])/g, '$1')
    .trim();
}

// Reads documentation and optionality from the declaration file.
function parseDeclaration(source) {
  const result = { doc: '', fields: {} };
  const classMatch = source.match(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export declare class/);
  if (classMatch) result.doc = cleanDoc(classMatch[1]);
  const body = source.slice(source.indexOf('export declare class'));
  const fieldPattern = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\?)?:/g;
  let match;
  while ((match = fieldPattern.exec(body)) !== null) {
    result.fields[match[2]] = { doc: match[1] ? cleanDoc(match[1]) : '', required: !match[3] };
  }
  return result;
}

const types = {};
const files = fs.readdirSync(modelsDir).filter((f) => f.endsWith('.js')).sort();
for (const file of files) {
  const name = file.slice(0, -3);
  const module = await import(pathToFileURL(path.join(modelsDir, file)).href);
  const cls = module[name];
  if (!cls || !Array.isArray(cls.attributeTypeMap)) continue;
  const declaration = parseDeclaration(fs.readFileSync(path.join(modelsDir, name + '.d.ts'), 'utf8'));
  const fields = cls.attributeTypeMap.map((attribute) => {
    let type = convertType(attribute.type, attribute.format);
    const quantity = QUANTITIES[`${name}.${attribute.name}`];
    if (quantity) type = quantity === 'map' ? 'map[]quantity' : 'quantity';
    const info = declaration.fields[attribute.name] || { doc: '', required: false };
    const field = [attribute.baseName, type];
    if (info.required || info.doc) field.push(info.required ? 1 : 0);
    if (info.doc) field.push(info.doc);
    return field;
  });
  types[name] = { doc: declaration.doc, fields };
}

const versionMatch = fs
  .readFileSync(path.join(modelsDir, 'V1Pod.d.ts'), 'utf8')
  .match(/OpenAPI spec version: release-([0-9.]+)/);
process.stdout.write(JSON.stringify({
  source: `@kubernetes/client-node ${packageJson.version}`,
  kubernetes: versionMatch ? versionMatch[1] : 'unknown',
  types,
}));
process.stdout.write('\n');
