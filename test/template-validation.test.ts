import { SCENARIOS } from './scenarios';
import { templateOf, validatorErrors } from './util';

describe("AWS's offline CloudFormation validator", () => {
  test.each(Object.keys(SCENARIOS))('finds no FATAL or ERROR diagnostic: %s', (name) => {
    const template = templateOf(SCENARIOS[name]()).toJSON();
    expect(validatorErrors(template)).toEqual([]);
  });

  test('does report a workforce that AWS would refuse (the check can fail)', () => {
    const template = templateOf(SCENARIOS['default props']()).toJSON();
    const [id] = Object.keys(template.Resources).filter((k) => template.Resources[k].Type === 'AWS::SageMaker::Workforce');
    template.Resources[id].Properties.WorkforceName = 'not_valid!';
    template.Resources[id].Properties.SourceIpConfig = { Cidrs: Array.from({ length: 11 }, (_, i) => `10.${i}.0.0/16`) };
    const errors = validatorErrors(template);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/not_valid!/);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
