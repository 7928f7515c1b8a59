// `npm start`: the bot, built JS when up to date (see launch.js).
import { launch } from './launch.js';

await launch('main');
