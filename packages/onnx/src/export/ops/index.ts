/** Registers every module exporter (imported for its side effects). */
import './activation.js';
import './basic.js';
import './conv.js';
import './pool.js';
import './norm.js';
import './rnn.js';
import './attention.js';
import './transformer.js';
import './loss.js';
import './loss-margin.js';
import './padding.js';
import './shape-more.js';
