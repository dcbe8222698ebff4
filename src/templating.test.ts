import { referencedVariables } from './templating';

describe('referencedVariables', () => {
  it('finds every reference syntax', () => {
    expect(referencedVariables('$model ${risk} ${limit:csv} [[old]] ${obj.path}')).toEqual([
      'model',
      'risk',
      'limit',
      'old',
      'obj',
    ]);
  });

  it('lists each name once', () => {
    expect(referencedVariables('$model,$model')).toEqual(['model']);
  });

  it('finds nothing in literal ids', () => {
    expect(referencedVariables('1, 2')).toEqual([]);
  });
});
