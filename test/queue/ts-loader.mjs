// Lets a child `node` process run the TypeScript sources directly (tests that kill a real process): relative
// `.js` imports resolve to the `.ts` file next to them; Node's --experimental-transform-types compiles them.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && specifier.startsWith('.') && specifier.endsWith('.js')) {
      return next(specifier.slice(0, -3) + '.ts', context);
    }
    throw err;
  }
}
