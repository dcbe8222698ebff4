// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const baseConfig = require('./.config/jest.config');
const [swcPattern, swcTransform] = Object.entries(baseConfig.transform)[0];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...baseConfig,
  // @grafana/data 12 loads ESM-only dependencies (d3-color and others) as .mjs files, which the
  // scaffold's transform pattern does not match, so swc also transforms .mjs.
  transform: {
    [swcPattern]: swcTransform,
    '^.+\\.mjs$': swcTransform,
  },
};
