// `node --import <this file>`: appends the URL of every module the process loads to the file named
// by SLUICE_MODULE_LOG (module hooks run on their own thread; they write, the test reads afterwards).
import { register } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';

register(new URL('./hooks.mjs', import.meta.url).href, { data: process.env.SLUICE_MODULE_LOG });
