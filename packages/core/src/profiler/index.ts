export {
  type KernelStat,
  type Profiled,
  type ProfileOptions,
  type ProfileReport,
  profile,
} from './profile.js';
