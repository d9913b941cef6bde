exports.handler = async (event, context) => {
  const name = (event && event.name) || 'world';
  const greeting = process.env.GREETING || 'Hello';
  console.log(`greeting ${name} from ${context.functionName}`);
  return { message: `${greeting}, ${name}!` };
};
