import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

performance.mark('outpost:script');
// The font stacks by platform (app.css), before anything is laid out.
if (/\bLinux\b/.test(navigator.userAgent)) document.documentElement.dataset.platform = 'linux';
const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');
export default mount(App, { target });
