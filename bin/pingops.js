#!/usr/bin/env node
// `npx pingops …`: the CLI, built JS when up to date (see launch.js).
import { launch } from './launch.js';

await launch('cli');
