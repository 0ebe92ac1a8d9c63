import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { defaultApi } from './lib/ipc';
import { AppModel } from './lib/state/app.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const model = new AppModel(defaultApi());
// Settings first, so that the first frame is already in the saved language and theme.
await model.init();
mount(App, { target, props: { model } });
