#!/usr/bin/env node
// Static checks behind `make lint` (scripts/lint.sh) that need typed schemas:
//
//   node check.mjs dashboards DATASOURCES.yml DASHBOARD.json...
//       Each dashboard type-checked against @grafana/schema's Dashboard with
//       tsc (unknown keys and wrong types fail), every datasource reference
//       (panel, target, variable) must name a provisioned datasource uid,
//       panel ids unique, gridPos inside the 24-column grid, every Prometheus
//       target has an expr.
//   node check.mjs k8s MANIFEST.yaml...
//       Every document type-checked strictly against kubernetes-types
//       (apiVersion + kind pick the type; unknown fields fail).
//   node check.mjs alloy CONFIG.alloy...
//       Syntax through the HCL parser, known components, references resolve.
//   node check.mjs terraform DIR
//       Every *.tf parsed with @cdktf/hcl2json; providers pinned to an exact
//       version, sensitive variables without defaults, no literal secrets.
//
// The generated TypeScript goes to .gen/ next to this file (so imports
// resolve against node_modules) and stays there for reading after a failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const gen = path.join(here, '.gen');
let failures = 0;

function fail(file, msg) {
	console.error(`${file}: ${msg}`);
	failures++;
}

function tsc(files) {
	const tsconfig = path.join(gen, 'tsconfig.json');
	fs.writeFileSync(tsconfig, JSON.stringify({
		extends: '../tsconfig.json',
		files: files.map((f) => path.basename(f)),
	}));
	try {
		execFileSync(process.execPath, [path.join(here, 'node_modules/typescript/bin/tsc'), '-p', tsconfig],
			{ stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
	} catch (e) {
		process.stderr.write(e.stdout || '');
		process.stderr.write(e.stderr || '');
		failures++;
	}
}

function freshGen(prefix) {
	fs.mkdirSync(gen, { recursive: true });
	for (const f of fs.readdirSync(gen))
		if (f.startsWith(prefix)) fs.rmSync(path.join(gen, f));
}

function tsName(file, i = '') {
	return path.basename(file).replace(/[^A-Za-z0-9]/g, '_') + i;
}

// ------------------------------------------------------------ dashboards
function checkDashboards(dsFile, files) {
	const ds = yaml.load(fs.readFileSync(dsFile, 'utf8'));
	const uids = new Map((ds.datasources || []).map((d) => [d.uid, d.type]));
	// Grafana's own built-ins are always there.
	uids.set('-- Grafana --', 'grafana');
	uids.set('grafana', 'grafana');

	freshGen('dash_');
	const tsFiles = [];
	for (const file of files) {
		let dash;
		try {
			dash = JSON.parse(fs.readFileSync(file, 'utf8'));
		} catch (e) {
			fail(file, `not JSON: ${e.message}`);
			continue;
		}
		const ts = path.join(gen, `dash_${tsName(file)}.ts`);
		fs.writeFileSync(ts, `// generated from ${file}\nimport type { Dashboard } from '@grafana/schema';\n` +
			`import type { Loosen } from '../loosen';\n` +
			`export const dashboard: Loosen<Dashboard> = ${JSON.stringify(dash, null, 2)};\n`);
		tsFiles.push(ts);

		if (!dash.uid) fail(file, 'dashboard has no uid');
		const ref = (where, d) => {
			if (d === undefined || d === null) return;
			if (typeof d === 'string') {
				if (!d.startsWith('$')) fail(file, `${where}: datasource by name "${d}"; use {type, uid}`);
				return;
			}
			if (!uids.has(d.uid)) fail(file, `${where}: datasource uid "${d.uid}" is not provisioned (${[...uids.keys()].join(', ')})`);
			else if (d.type && uids.get(d.uid) !== d.type) fail(file, `${where}: datasource "${d.uid}" is type ${uids.get(d.uid)}, not ${d.type}`);
		};
		const ids = new Set();
		const panels = [];
		for (const p of dash.panels || []) {
			panels.push(p);
			for (const q of p.panels || []) panels.push(q);
		}
		for (const p of panels) {
			const where = `panel ${p.id} "${p.title}"`;
			if (ids.has(p.id)) fail(file, `${where}: duplicate panel id`);
			ids.add(p.id);
			const g = p.gridPos;
			if (!g) fail(file, `${where}: no gridPos`);
			else if (g.x < 0 || g.w < 1 || g.x + g.w > 24) fail(file, `${where}: gridPos outside the 24-column grid`);
			ref(where, p.datasource);
			if (p.type === 'row') continue;
			if (!(p.targets || []).length) fail(file, `${where}: no targets`);
			for (const t of p.targets || []) {
				ref(`${where} target ${t.refId}`, t.datasource || p.datasource);
				const type = (t.datasource || p.datasource || {}).type;
				if ((type === 'prometheus' || type === 'loki') && !(t.expr || '').trim())
					fail(file, `${where} target ${t.refId}: empty expr`);
			}
		}
		for (const v of dash.templating?.list || []) ref(`variable ${v.name}`, v.datasource);
		for (const a of dash.annotations?.list || []) ref(`annotation ${a.name}`, a.datasource);
	}
	if (tsFiles.length) tsc(tsFiles);
}

// ------------------------------------------------------------ kubernetes
function k8sModule(apiVersion) {
	const [groupVersion, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
	const group = groupVersion.split('.')[0];
	const mod = path.join(here, 'node_modules/kubernetes-types', group, `${version}.d.ts`);
	return fs.existsSync(mod) ? `kubernetes-types/${group}/${version}` : null;
}

function checkK8s(files) {
	freshGen('k8s_');
	const tsFiles = [];
	for (const file of files) {
		let docs;
		try {
			docs = yaml.loadAll(fs.readFileSync(file, 'utf8')).filter((d) => d !== null);
		} catch (e) {
			fail(file, `YAML: ${e.message}`);
			continue;
		}
		docs.forEach((doc, i) => {
			if (!doc.apiVersion || !doc.kind) return fail(file, `document ${i}: no apiVersion or kind`);
			if (doc.apiVersion.startsWith('kustomize.config.k8s.io/')) {
				const allowed = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'labels', 'commonLabels', 'commonAnnotations', 'namePrefix', 'patches']);
				for (const k of Object.keys(doc)) if (!allowed.has(k)) fail(file, `kustomization: unknown key "${k}"`);
				for (const r of doc.resources || [])
					if (!fs.existsSync(path.join(path.dirname(file), r))) fail(file, `kustomization: resource ${r} does not exist`);
				return;
			}
			const mod = k8sModule(doc.apiVersion);
			if (!mod) return fail(file, `document ${i}: unknown apiVersion ${doc.apiVersion}`);
			const dts = fs.readFileSync(path.join(here, 'node_modules', `${mod}.d.ts`), 'utf8');
			if (!new RegExp(`export interface ${doc.kind} \\{`).test(dts))
				return fail(file, `document ${i}: ${doc.apiVersion} has no kind ${doc.kind}`);
			const ts = path.join(gen, `k8s_${tsName(file, '_' + i)}.ts`);
			fs.writeFileSync(ts, `// generated from ${file}, document ${i}\nimport type { ${doc.kind} } from '${mod}';\n` +
				`export const object: ${doc.kind} = ${JSON.stringify(doc, null, 2)};\n`);
			tsFiles.push(ts);
		});
	}
	if (tsFiles.length) tsc(tsFiles);
}

// ------------------------------------------------------------ terraform
async function checkTerraform(dir) {
	const { parse } = await import('@cdktf/hcl2json');
	const tfs = fs.readdirSync(dir).filter((f) => f.endsWith('.tf')).sort();
	if (!tfs.length) return fail(dir, 'no *.tf files');
	const merged = { terraform: [], variable: {}, provider: {} };
	for (const f of tfs) {
		const file = path.join(dir, f);
		const text = fs.readFileSync(file, 'utf8');
		let json;
		try {
			json = await parse(file, text);
		} catch (e) {
			fail(file, `HCL: ${String(e.message || e).split('\n')[0]}`);
			continue;
		}
		merged.terraform.push(...(json.terraform || []));
		Object.assign(merged.variable, json.variable || {});
		Object.assign(merged.provider, json.provider || {});
		// Literal secrets: a password/token/secret attribute set to a plain string.
		const re = /^\s*(\w*(password|secret|token|api_key)\w*)\s*=\s*"([^"$]*)"/gim;
		for (const m of text.matchAll(re))
			if (m[3] !== '') fail(file, `literal secret in attribute ${m[1]}`);
		for (const m of text.matchAll(/"[A-Z_]*(PASSWORD|SECRET|TOKEN)=([^"$][^"]*)"/g))
			fail(file, `literal secret in environment ${m[0]}`);
	}
	const providers = {};
	for (const t of merged.terraform)
		for (const rp of t.required_providers || []) Object.assign(providers, rp);
	if (!Object.keys(providers).length) fail(dir, 'no required_providers block');
	for (const [name, p] of Object.entries(providers)) {
		if (!p.source) fail(dir, `provider ${name}: no source`);
		if (!/^=?\s*\d+\.\d+\.\d+$/.test(p.version || '')) fail(dir, `provider ${name}: version "${p.version}" is not pinned to one release`);
	}
	if (!merged.terraform.some((t) => t.required_version)) fail(dir, 'no required_version');
	for (const [name, vs] of Object.entries(merged.variable)) {
		const v = vs[0] || {};
		if (!v.description) fail(dir, `variable ${name}: no description`);
		if (/password|secret|token/i.test(name) && !v.sensitive) fail(dir, `variable ${name}: not marked sensitive`);
		if (v.sensitive && 'default' in v) fail(dir, `variable ${name}: sensitive variable with a default`);
	}
}

// ------------------------------------------------------------ alloy
// Alloy's configuration syntax is HCL with dotted block names
// ("loki.source.file \"x\" { ... }").  Renaming those blocks makes the file
// plain HCL, so the same parser checks its syntax; then every component
// reference (forward_to, targets) must name a component defined in the file.
const ALLOY_COMPONENTS = new Set(['local.file_match', 'loki.source.file', 'loki.process', 'loki.write',
	'loki.relabel', 'loki.source.journal', 'discovery.relabel', 'prometheus.scrape', 'prometheus.remote_write',
	'prometheus.exporter.self', 'logging']);
async function checkAlloy(files) {
	const { parse } = await import('@cdktf/hcl2json');
	for (const file of files) {
		const text = fs.readFileSync(file, 'utf8');
		const defined = new Set();
		const hcl = text.replace(/^([ \t]*)([a-z_]+(?:\.[a-z_]+)+)(\s+"([^"]*)")?(\s*\{)/gm, (m, ind, name, lab, label, brace) => {
			if (!ind.length) {
				if (!ALLOY_COMPONENTS.has(name)) fail(file, `unknown component ${name}`);
				defined.add(`${name}.${label}`);
			}
			return `${ind}${name.replace(/\./g, '__')}${lab || ''}${brace}`;
		});
		try {
			await parse(file, hcl);
		} catch (e) {
			fail(file, `syntax: ${String(e.message || e).split('\n')[0]}`);
			continue;
		}
		for (const m of text.matchAll(/\b((?:local|loki|discovery|prometheus)\.[a-z_.]+?)\.([a-z_]+)\.(receiver|targets|output)\b/g))
			if (!defined.has(`${m[1]}.${m[2]}`)) fail(file, `reference to undefined component ${m[1]} "${m[2]}"`);
	}
}

const [cmd, ...args] = process.argv.slice(2);
switch (cmd) {
case 'dashboards': checkDashboards(args[0], args.slice(1)); break;
case 'k8s': checkK8s(args); break;
case 'terraform': await checkTerraform(args[0]); break;
case 'alloy': await checkAlloy(args); break;
default:
	console.error('usage: check.mjs dashboards DATASOURCES DASHBOARD... | k8s FILE... | terraform DIR');
	process.exit(2);
}
process.exit(failures ? 1 : 0);
