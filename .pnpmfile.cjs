// better-sqlite3 compiles from source here (its prebuilt download is unreachable); node-gyp must use
// the Node headers installed under /usr instead of downloading them. pnpm ignores `nodedir` in ~/.npmrc.
module.exports = {
  hooks: {
    updateConfig(config) {
      config.extraEnv = { ...config.extraEnv, npm_config_nodedir: '/usr' };
      return config;
    },
  },
};
